package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTryItParse(t *testing.T) {
	_, blocks, err := readTryIt("testdata/tryit")
	require.NoError(t, err)
	require.Len(t, blocks, 2, "the concept's block and the hidden one are not Try it's")
	var got []string
	for _, c := range blocks[0].commands {
		got = append(got, c.text+" => "+strings.Join(c.expected, "|"))
	}
	assert.Equal(t, []string{
		"echo hello => hello",
		"cd sub && pwd | sed 's|.*/||' => sub",
		`x=41; echo "pid $$ and $((x + 1))" => pid 1234 and 42`,
		"(exit 3) => ",
		`echo "status $?" => status 3`,
		"echo one \\\n  two => one two",
		"echo out; echo err >&2 => out|err",
		"cat => ",
		"printf 'no newline' => no newline",
	}, got)
	assert.Equal(t, "echo one   two", blocks[0].commands[5].oneLine())
	assert.Equal(t, 2, blocks[1].n)
	assert.Equal(t, 12, blocks[0].commands[0].index+1, "README line of the first command")
	assert.Equal(t, 13, blocks[0].commands[0].outStart+1, "README line of its output")
}

func TestTryItOutputBeforeCommand(t *testing.T) {
	r, err := parseReadme("README.md", "## Try it\n\n```console\nstray\n$ true\n```\n")
	require.NoError(t, err)
	_, err = tryIt(r)
	assert.EqualError(t, err, `README.md:4: output before the first "$ " command of the block`)
}

func TestLooseMatch(t *testing.T) {
	tests := []struct {
		expected []string
		got      string
		match    bool
	}{
		{[]string{"hi"}, "hi\n", true},
		{[]string{"hi"}, "hi", true},
		{[]string{"hi"}, "hi\n\n", false},
		{[]string{"hi", ""}, "hi\n\n", true},
		{nil, "", true},
		{nil, "\n", true},
		{nil, "x\n", false},
		{[]string{"uts:[4026531838]"}, "uts:[4026532177]\n", true},
		{[]string{"uts:[4026531838]"}, "uts:[]\n", false},
		{[]string{"real\t0m 2.03s"}, "real\t0m 12.5s\n", true},
		{[]string{"real\t0m 2.03s"}, "real 0m 2.03s\n", false},
		{[]string{"pid 7"}, "pid x\n", false},
		{[]string{"a.b*c"}, "a.b*c", true},
		{[]string{"a.b*c"}, "axbbc", false},
		{[]string{"line"}, "line\nmore\n", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.match, looseMatch(tt.expected, tt.got), "%q against %q", tt.expected, tt.got)
	}
}

func TestWithoutStepCd(t *testing.T) {
	tests := map[string]string{
		"cd step01-uts && go build -o container .": "go build -o container .",
		"cd step01-uts; ls":                        "ls",
		"cd ./step01-uts/":                         ":",
		"cd step01-utsx && ls":                     "cd step01-utsx && ls",
		"cd /tmp && ls":                            "cd /tmp && ls",
		"echo cd step01-uts":                       "echo cd step01-uts",
	}
	for in, want := range tests {
		assert.Equal(t, want, withoutStepCd(in, "step01-uts"), in)
	}
	assert.True(t, isBuild("go  build -o container ."))
	assert.False(t, isBuild("go build -o container . && ls"))
}

func TestTranscriptCheck(t *testing.T) {
	var out, errs strings.Builder
	failed, err := transcript("testdata/tryit", runOptions{timeout: 10 * time.Second}, false, &out, &errs)
	require.NoError(t, err)
	assert.Equal(t, 0, failed, errs.String())
	assert.Equal(t, "lesson: testdata/tryit/README.md: the output of 11 command(s) matches\n", out.String())
}

func TestTranscriptMismatch(t *testing.T) {
	dir := copyFixture(t, "testdata/tryit")
	readme := filepath.Join(dir, "README.md")
	text, err := os.ReadFile(readme)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(readme, []byte(strings.Replace(string(text), "status 3", "Status 3", 1)), 0o644))
	var out, errs strings.Builder
	failed, err := transcript(dir, runOptions{timeout: 10 * time.Second}, false, &out, &errs)
	require.NoError(t, err)
	assert.Equal(t, 1, failed)
	assert.Equal(t, readme+`:19: Try it block 1: the output of "echo \"status $?\"" differs from the README`,
		strings.TrimPrefix(strings.Split(errs.String(), "\n")[0], "lesson: "))
	assert.Contains(t, errs.String(), "  expected:\n    Status 3\n  got:\n    status 3\n")
	assert.NotContains(t, errs.String(), "differ only in spaces")

	require.NoError(t, os.WriteFile(readme, []byte(strings.Replace(string(text), "echo hello", "echo 'hello '", 1)), 0o644))
	errs.Reset()
	failed, err = transcript(dir, runOptions{timeout: 10 * time.Second}, false, &out, &errs)
	require.NoError(t, err)
	assert.Equal(t, 1, failed)
	assert.Contains(t, errs.String(), "  (they differ only in spaces at the ends of lines: the README must keep them)\n")
}

func TestTranscriptRecord(t *testing.T) {
	dir := copyFixture(t, "testdata/tryit")
	readme := filepath.Join(dir, "README.md")
	before, err := os.ReadFile(readme)
	require.NoError(t, err)
	text := strings.Replace(string(before), "hello\n$ cd", "stale\nlines\n$ cd", 1)
	text = strings.Replace(text, "$ cat\n", "$ cat\nleft over\n", 1)
	require.NoError(t, os.WriteFile(readme, []byte(text), 0o644))

	var out, errs strings.Builder
	failed, err := transcript(dir, runOptions{timeout: 10 * time.Second}, true, &out, &errs)
	require.NoError(t, err)
	require.Equal(t, 0, failed, errs.String())
	assert.Contains(t, out.String(), "recorded the output of 11 command(s), 3 changed")
	after, err := os.ReadFile(readme)
	require.NoError(t, err)
	// All back as it was, but for the PID, which a record writes as it was.
	want := strings.Replace(string(before), "pid 1234", "pid ", 1)
	got := regexpPid.ReplaceAllString(string(after), "pid ")
	assert.Equal(t, want, got)
}

var regexpPid = regexp.MustCompile(`pid [0-9]+`)

func copyFixture(t *testing.T, from string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), filepath.Base(from))
	require.NoError(t, copyStep(from, dir))
	return dir
}

func TestTranscriptFromRoot(t *testing.T) {
	// go build stands for the build; the fixture has no program.
	bin := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bin, "go"), []byte("#!/bin/sh\necho \"built in ${PWD##*/}\"\n"), 0o755))
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))

	var out, errs strings.Builder
	failed, err := transcript("testdata/fromroot", runOptions{timeout: 10 * time.Second}, false, &out, &errs)
	require.NoError(t, err)
	assert.Equal(t, 1, failed, "the build runs, in the step")
	assert.Contains(t, errs.String(), "  got:\n    built in fromroot\n")

	out.Reset()
	errs.Reset()
	failed, err = transcript("testdata/fromroot", runOptions{timeout: 10 * time.Second, skipBuild: true}, false, &out, &errs)
	require.NoError(t, err)
	assert.Equal(t, 0, failed, errs.String())
	assert.Equal(t, "lesson: testdata/fromroot/README.md: the output of 3 command(s) matches\n", out.String())
}

func TestPlan(t *testing.T) {
	_, blocks, err := readTryIt("testdata/fromroot")
	require.NoError(t, err)
	b := blocks[0]
	root, err := filepath.Abs("testdata")
	require.NoError(t, err)

	p := runOptions{}.plan(b, "testdata/fromroot")
	assert.Equal(t, root, p.dir, "typed from the root: starts in the step's parent")
	text, run := p.text(b.commands[1])
	assert.Equal(t, "cd fromroot && go build -o container .", text)
	assert.True(t, run)

	p = runOptions{skipBuild: true}.plan(b, "testdata/fromroot")
	text, run = p.text(b.commands[1])
	assert.Equal(t, "cd fromroot", text, "the build is skipped, the cd kept")
	assert.True(t, run)

	other := t.TempDir()
	p = runOptions{dir: other, skipBuild: true}.plan(b, "testdata/fromroot")
	assert.Equal(t, other, p.dir, "a working folder of another name: the cd is dropped")
	_, run = p.text(b.commands[1])
	assert.False(t, run)

	_, blocks, err = readTryIt("testdata/tryit")
	require.NoError(t, err)
	p = runOptions{}.plan(blocks[0], "testdata/tryit")
	assert.Equal(t, "testdata/tryit", p.dir, "typed in the step: starts there")
}
