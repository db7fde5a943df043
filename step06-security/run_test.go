//go:build linux

package main

import (
	"bytes"
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// namespaceIsNew says which namespaces the container gets in this step.
var namespaceIsNew = map[string]bool{
	"uts": true, "pid": true, "ipc": true, "mnt": true, "net": true,
	"cgroup": true,
}

func TestNamespaces(t *testing.T) {
	t.Parallel()
	names := []string{"uts", "pid", "ipc", "mnt", "net", "cgroup"}
	paths := make([]string, len(names))
	for i, name := range names {
		paths[i] = "/proc/self/ns/" + name
	}
	// One link per readlink: busybox's takes a single file.
	r := container(t, append([]string{"sh", "-c", `for p; do readlink "$p"; done`, "sh"}, paths...)...)
	require.Equal(t, 0, r.code, r.stderr)
	inside := strings.Fields(r.stdout)
	require.Len(t, inside, len(names))
	for i, name := range names {
		host, err := os.Readlink(paths[i])
		require.NoError(t, err)
		if namespaceIsNew[name] {
			assert.NotEqual(t, host, inside[i], "the container should have its own %s namespace", name)
		} else {
			assert.Equal(t, host, inside[i], "the container should still share the host's %s namespace", name)
		}
	}
}

func TestSilentOnSuccess(t *testing.T) {
	t.Parallel()
	r := container(t, "echo", "hi")
	assert.Equal(t, 0, r.code)
	assert.Equal(t, "hi\n", r.stdout)
	assert.Empty(t, r.stderr)
}

func TestStdioPassThrough(t *testing.T) {
	t.Parallel()
	data := make([]byte, 1<<20)
	_, err := rand.Read(data)
	require.NoError(t, err)
	r := execute(t, runCmd("cat"), string(data))
	require.Equal(t, 0, r.code, r.stderr)
	assert.True(t, bytes.Equal(data, []byte(r.stdout)), "stdin should come back byte for byte")

	r = container(t, "sh", "-c", "echo to-stderr >&2")
	assert.Equal(t, "to-stderr\n", r.stderr)
	assert.Empty(t, r.stdout)
}

func TestExitStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		command []string
		want    int
		stderr  string
	}{
		{"success", []string{"true"}, 0, ""},
		{"own status", []string{"sh", "-c", "exit 7"}, 7, ""},
		{"not found", []string{"no-such-command"}, exitNotFound, "container: no-such-command: command not found"},
		{"path not found", []string{"/no/such/file"}, exitNotFound, "container: /no/such/file: command not found"},
		{"not executable", []string{"/etc/passwd"}, exitCannotExecute, "container: /etc/passwd: cannot execute"},
		{"killed by SIGTERM", []string{"sh", "-c", "kill -TERM $$"}, 128 + 15, ""},
		{"killed by SIGKILL", []string{"sh", "-c", "kill -KILL $$"}, 128 + 9, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := container(t, tt.command...)
			assert.Equal(t, tt.want, r.code, r.stderr)
			if tt.stderr == "" {
				assert.Empty(t, r.stderr)
			} else {
				assert.Regexp(t, "^"+tt.stderr+"[^\n]*\n$", r.stderr)
			}
		})
	}
}

func TestCleanEnvironment(t *testing.T) {
	t.Parallel()
	cmd := runCmd("-e", "GREETING=hello", "-e", "FROM_CALLER", "-e", "UNSET_HERE", "-e", "HOME=/home/x", "env")
	cmd.Env = append(os.Environ(), "HOST_SECRET=s3cret", "FROM_CALLER=passed", "TERM=dumb")
	r := execute(t, cmd, "")
	require.Equal(t, 0, r.code, r.stderr)
	want := []string{"FROM_CALLER=passed", "GREETING=hello", "HOME=/home/x", "HOSTNAME=container", "PATH=" + defaultPath}
	assert.Equal(t, want, strings.Fields(r.stdout), "no TERM: stdin is not a terminal")
}

func TestCheckEnv(t *testing.T) {
	for _, good := range []string{"A=1", "_x=", "KEY", "K=a=b", "K=line\nbreak"} {
		assert.NoError(t, checkEnv(good), good)
	}
	for _, bad := range []string{"", "=x", "1A=2", "A B=1", "A\n=1", "A-B=1"} {
		assert.Error(t, checkEnv(bad), "%q", bad)
	}
}

// The caller's descriptors beyond 0, 1 and 2 stay behind: a directory of
// the host's in COMMAND would lead out of any root.
func TestNoInheritedDescriptors(t *testing.T) {
	t.Parallel()
	dir, err := os.Open(t.TempDir())
	require.NoError(t, err)
	defer dir.Close()
	cmd := runCmd("ls", "-l", "/proc/self/fd")
	cmd.ExtraFiles = []*os.File{dir, dir, dir, dir, dir} // 3 to 7, as 'exec 7</dir' would
	r := execute(t, cmd, "")
	require.Equal(t, 0, r.code, r.stderr)
	var fds []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n")[1:] { // after "total 0"
		name, _, _ := strings.Cut(line, " -> ")
		fields := strings.Fields(name)
		fds = append(fds, fields[len(fields)-1])
	}
	// 0, 1, 2, and 3: the directory that ls itself is reading.
	assert.Equal(t, []string{"0", "1", "2", "3"}, fds, r.stdout)
	assert.NotContains(t, r.stdout, dir.Name())
}
