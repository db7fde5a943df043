//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// binary is the container program under test, built once by TestMain
// (or given prebuilt in CONTAINER_BINARY, as the test VM does).
var binary string

// helper is testdata/helper, built statically by TestMain (or given in
// CONTAINER_HELPER): what the tests run inside a container.
var helper string

// rootfs is the tests' root filesystem, built by scripts/rootfs.sh (or
// copied from CONTAINER_ROOTFS).
var rootfs string

// runFlags go before COMMAND in every 'container run' of the tests.
var runFlags []string

func TestMain(m *testing.M) {
	if os.Geteuid() != 0 {
		// The unit tests run; every test that starts a container fails.
		fmt.Fprintln(os.Stderr, "these tests start containers and need root: run 'sudo scripts/test.sh'")
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "container-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := setUpAndRun(m, dir)
	os.RemoveAll(dir)
	os.Exit(code)
}

func setUpAndRun(m *testing.M, dir string) int {
	// Readable by all, so that an unprivileged user can try the binary.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	binary = os.Getenv("CONTAINER_BINARY")
	if binary == "" {
		binary = filepath.Join(dir, "container")
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
			return 1
		}
	}
	helper = os.Getenv("CONTAINER_HELPER")
	if helper == "" {
		helper = filepath.Join(dir, "helper")
		build := exec.Command("go", "build", "-o", helper, "./testdata/helper")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build helper: %v\n%s", err, out)
			return 1
		}
	}
	rootfs = filepath.Join(dir, "rootfs")
	if err := buildRootfs(rootfs); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The helper runs inside: copy it in, as /helper and at the path it
	// has outside, so that the tests of the steps before, which run it by
	// that path, find it with or without the rootfs (as their exercise does).
	data, err := os.ReadFile(helper)
	for _, inside := range []string{"/helper", helper} {
		if err == nil {
			err = os.MkdirAll(filepath.Dir(filepath.Join(rootfs, inside)), 0o755)
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(rootfs, inside), data, 0o755)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	runFlags = []string{"--rootfs", rootfs}
	return m.Run()
}

func buildRootfs(dir string) error {
	build := exec.Command("../scripts/rootfs.sh", dir)
	if prebuilt := os.Getenv("CONTAINER_ROOTFS"); prebuilt != "" {
		build = exec.Command("cp", "-a", prebuilt, dir)
	}
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build the rootfs: %v\n%s", err, out)
	}
	return nil
}

type result struct {
	stdout, stderr string
	code           int
}

// containerCmd is 'container ARGS...', not yet started.
func containerCmd(args ...string) *exec.Cmd {
	return exec.Command(binary, args...)
}

// runCmd is 'container run [runFlags] ARGS...', not yet started.
func runCmd(args ...string) *exec.Cmd {
	return containerCmd(append(append([]string{"run"}, runFlags...), args...)...)
}

// execute runs cmd to its end (bounded), with stdin, and checks that no Go
// panic reached the user.
func execute(t *testing.T, cmd *exec.Cmd, stdin string) result {
	t.Helper()
	requireRoot(t)
	var stdout, stderr bytes.Buffer
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%v did not finish within 30s", cmd.Args)
	}
	r := result{stdout.String(), stderr.String(), exitStatus(cmd.ProcessState.Sys().(syscall.WaitStatus))}
	assert.NotContains(t, r.stderr, "panic:")
	assert.NotContains(t, r.stderr, "goroutine ")
	return r
}

// requireRoot stops a test that starts containers, when not root: it
// fails, and loudly, rather than skip.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test starts containers and needs root: run 'sudo scripts/test.sh'")
	}
}

// container runs 'container run ARGS...' and returns what it did.
func container(t *testing.T, args ...string) result {
	t.Helper()
	return execute(t, runCmd(args...), "")
}

// requireRuntimeError checks the contract for an error of the runtime:
// status 125 and one line on stderr that starts with "container: ".
func requireRuntimeError(t *testing.T, r result) {
	t.Helper()
	require.Equal(t, exitRuntimeFailed, r.code, "stderr: %s", r.stderr)
	assert.Empty(t, r.stdout)
	assert.Regexp(t, `^container: [^\n]+\n$`, r.stderr)
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"run", "--help"}, {"run", "-h"}} {
		r := execute(t, containerCmd(args...), "")
		assert.Equal(t, 0, r.code, "%v", args)
		assert.Contains(t, r.stdout, "Usage: container run [options] COMMAND [ARG...]", "%v", args)
		assert.Contains(t, r.stdout, "-hostname", "%v", args)
		assert.Empty(t, r.stderr, "%v", args)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no arguments", []string{}, "missing command"},
		{"unknown command", []string{"runn", "sh"}, `unknown command "runn"`},
		{"unknown flag", []string{"run", "--hostnme", "x", "sh"}, "flag provided but not defined: -hostnme"},
		{"flag without value", []string{"run", "--hostname"}, "flag needs an argument"},
		{"no command", []string{"run"}, "no command given"},
		{"empty hostname", []string{"run", "--hostname", "", "true"}, "--hostname must be 1 to 64 bytes"},
		{"hostname too long", []string{"run", "--hostname", strings.Repeat("h", 65), "true"}, "--hostname must be 1 to 64 bytes"},
		{"newline in hostname", []string{"run", "--hostname", "a\n127.0.0.1 evil", "true"}, `--hostname "a\n127.0.0.1 evil" is not a hostname`},
		{"newline in a flag", []string{"run", "--x\ny", "true"}, `flag provided but not defined: -x\ny`},
		{"bad -e", []string{"run", "-e", "1=2", "true"}, `-e "1=2": give KEY=VALUE or KEY`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := execute(t, containerCmd(tt.args...), "")
			requireRuntimeError(t, r)
			assert.Contains(t, r.stderr, tt.want)
		})
	}
}

func TestNotRoot(t *testing.T) {
	t.Parallel()
	cmd := runCmd("true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	r := execute(t, cmd, "")
	requireRuntimeError(t, r)
	assert.Contains(t, r.stderr, "must run as root")
	assert.Contains(t, r.stderr, "sudo")
	assert.Contains(t, r.stderr, "Vagrant")
}

func TestInitByHandIsRefused(t *testing.T) {
	t.Parallel()
	r := execute(t, containerCmd("init", "--hostname", "oops", "true"), "")
	requireRuntimeError(t, r)
	assert.Contains(t, r.stderr, "started by 'container run'")
}
