package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runDemo(t *testing.T, opt demoOptions, keys string) string {
	t.Helper()
	out, err := os.CreateTemp(t.TempDir(), "demo")
	require.NoError(t, err)
	defer out.Close()
	opt.timeout = 10 * time.Second
	failed, err := demo("testdata/tryit", opt, strings.NewReader(keys), out)
	if strings.Contains(keys, "q") {
		require.ErrorIs(t, err, errQuit)
	} else {
		require.NoError(t, err)
	}
	assert.Equal(t, 0, failed)
	return readFile(t, out.Name())
}

func TestDemoAuto(t *testing.T) {
	got := runDemo(t, demoOptions{auto: true, delay: time.Second}, "")
	assert.True(t, strings.HasPrefix(got, "\n# tryit, Try it, block 1 of 2\n$ echo hello\nhello\n$ cd sub && "), got)
	assert.Contains(t, got, "$ echo one \\\n  two\none two\n")
	assert.Contains(t, got, "$ printf 'no newline'\nno newline\n# tryit, Try it, block 2 of 2\n")
	assert.True(t, strings.HasSuffix(got, "# tryit, Try it, block 2 of 2\n$ pwd | sed 's|.*/||'\ntryit\n$ true\n"), got)
}

func TestDemoWaitsAndQuits(t *testing.T) {
	// Enter runs the first command; q stops before the second.
	got := runDemo(t, demoOptions{delay: time.Microsecond, runOptions: runOptions{blocks: []int{1}}}, "\nq\n")
	assert.Equal(t, "\n# tryit, Try it, block 1 of 2\n$ echo hello\nhello\n$ cd sub && pwd | sed 's|.*/||'", got)
}
