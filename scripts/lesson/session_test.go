package main

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func startTestSession(t *testing.T, timeout time.Duration) *session {
	t.Helper()
	s, err := startSession(sessionOptions{dir: t.TempDir(), timeout: timeout})
	require.NoError(t, err)
	t.Cleanup(s.close)
	return s
}

func TestSessionCarriesState(t *testing.T) {
	s := startTestSession(t, 10*time.Second)
	steps := []struct {
		cmd, out string
		rc       int
	}{
		{"mkdir d && cd d && x=5", "", 0},
		{"false", "", 1},
		{`echo "$? $x ${PWD##*/}"`, "1 5 d\n", 0},
		{"echo to stderr >&2; exit_code=7; (exit $exit_code)", "to stderr\n", 7},
		{"cat; echo after", "after\n", 0}, // stdin is /dev/null: cat ends at once
		{"echo $LC_ALL", "C\n", 0},
	}
	for _, step := range steps {
		out, rc, err := s.run(step.cmd)
		require.NoError(t, err, step.cmd)
		assert.Equal(t, step.out, out, step.cmd)
		assert.Equal(t, step.rc, rc, step.cmd)
	}
}

// TestSessionAddsNoDescriptor: a command has what any child of ours has
// (0, 1 and 2, and what our own caller leaked to us), no FIFO of the session.
func TestSessionAddsNoDescriptor(t *testing.T) {
	list := "ls /proc/self/fd | sort -n | tr '\\n' ' '"
	baseline, err := exec.Command("bash", "-c", list).Output()
	require.NoError(t, err)
	s := startTestSession(t, 10*time.Second)
	out, _, err := s.run(list)
	require.NoError(t, err)
	assert.Equal(t, string(baseline), out)
}

func TestSessionExit(t *testing.T) {
	s := startTestSession(t, 10*time.Second)
	out, rc, err := s.run("echo bye; exit 4")
	require.NoError(t, err)
	assert.Equal(t, "bye\n", out)
	assert.Equal(t, 4, rc)
	_, _, err = s.run("echo again")
	assert.ErrorIs(t, err, errSessionEnded)
}

func TestSessionTimeout(t *testing.T) {
	s := startTestSession(t, 300*time.Millisecond)
	dir := s.cmd.Dir
	start := time.Now()
	// The background sleep is in the session's group: the kill ends it too.
	out, _, err := s.run("(sleep 30; touch late) & echo started; sleep 30")
	assert.ErrorContains(t, err, "did not finish within 300ms")
	assert.Equal(t, "started\n", out)
	assert.Less(t, time.Since(start), 10*time.Second)
	_, _, err = s.run("true")
	assert.ErrorIs(t, err, errSessionEnded)
	_, statErr := os.Stat(dir + "/late")
	assert.True(t, os.IsNotExist(statErr))
}

func TestSessionSudo(t *testing.T) {
	s := startTestSession(t, 10*time.Second)
	out, _, err := s.run("sudo -n id -u")
	require.NoError(t, err)
	if os.Geteuid() == 0 { // else the real sudo answers, if any
		assert.Equal(t, "0\n", out)
		out, _, err = s.run("sudo -u nobody id -u")
		require.NoError(t, err)
		assert.Equal(t, "65534\n", out)
	}
	s.close()
	_, err = os.Stat(s.dir)
	assert.True(t, os.IsNotExist(err), "the FIFOs and the shim are removed")
}
