package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runMain runs the command line and returns its status, stdout and stderr.
func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	stdout, err := os.CreateTemp(t.TempDir(), "stdout")
	require.NoError(t, err)
	defer stdout.Close()
	stderr, err := os.CreateTemp(t.TempDir(), "stderr")
	require.NoError(t, err)
	defer stderr.Close()
	code := run(args, strings.NewReader(""), stdout, stderr)
	return code, readFile(t, stdout.Name()), readFile(t, stderr.Name())
}

func TestCommandLine(t *testing.T) {
	code, _, stderr := runMain(t, "check-code", "testdata/code")
	assert.Equal(t, 1, code)
	assert.Len(t, strings.Split(strings.TrimSpace(stderr), "\n"), 4, "one line per failing block")
	assert.True(t, strings.HasPrefix(stderr, "lesson: testdata/code/README.md:28: go block 3 "), stderr)

	code, stdout, _ := runMain(t, "check-code", "testdata/tryit", "testdata/breakit")
	assert.Equal(t, 0, code)
	assert.Equal(t, "lesson: check-code: every go block of testdata/tryit, testdata/breakit is in its source\n", stdout)

	code, stdout, _ = runMain(t, "commands", "testdata/tryit")
	assert.Equal(t, 0, code)
	lines := strings.Split(stdout, "\n")
	assert.Equal(t, "1\t12\techo hello", lines[0])
	assert.Equal(t, "1\t21\techo one   two", lines[5])
	assert.Equal(t, "2\t39\tpwd | sed 's|.*/||'", lines[9])

	code, stdout, _ = runMain(t, "commands", "--json", "testdata/tryit")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, `"command": "cd sub && pwd | sed 's|.*/||'",`)

	code, stdout, stderr = runMain(t, "transcript", "testdata/tryit", "--check", "--block", "2")
	assert.Equal(t, 0, code, stderr)
	assert.Equal(t, "lesson: testdata/tryit/README.md: the output of 2 command(s) matches\n", stdout)
}

func TestCommandLineMistakes(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{nil, 2, "usage:"},
		{[]string{"nosuch"}, 2, `lesson: no subcommand "nosuch"`},
		{[]string{"check-code"}, 2, "lesson check-code: wrong number of STEPDIRs"},
		{[]string{"check-code", "testdata"}, 1, "lesson: testdata: no README.md there"},
		{[]string{"transcript", "testdata/tryit"}, 2, "give one of --check and --record"},
		{[]string{"transcript", "--check", "--record", "testdata/tryit"}, 2, "give one of --check and --record"},
		{[]string{"transcript", "--check", "--block", "0", "testdata/tryit"}, 2, "want block numbers from 1"},
		{[]string{"transcript", "--check", "--block", "3", "testdata/tryit"}, 1, "lesson: testdata/tryit/README.md: Try it has 2 console block(s), not 3"},
		{[]string{"commands", "testdata/tryit", "testdata/code"}, 2, "wrong number of STEPDIRs"},
		{[]string{"demo", "--nosuch", "testdata/tryit"}, 2, "flag provided but not defined: -nosuch"},
	}
	for _, tt := range tests {
		code, _, stderr := runMain(t, tt.args...)
		assert.Equal(t, tt.code, code, tt.args)
		assert.Contains(t, stderr, tt.stderr, tt.args)
	}
}
