package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// breakDiff is one ```diff block of "## Break it" and the tests that the
// paragraph after it says then fail.
type breakDiff struct {
	n     int
	open  int // README index of the opening fence
	text  string
	tests []string
}

var testName = regexp.MustCompile("`(Test[A-Za-z0-9_]*)(?:/[^`]*)?`")

func breakIt(r *readme) ([]breakDiff, error) {
	var diffs []breakDiff
	for n, f := range r.blocks("diff", "Break it") {
		d := breakDiff{n: n + 1, open: f.open, text: strings.Join(f.body, "\n") + "\n"}
		seen := map[string]bool{}
		for _, line := range paragraphAfter(r, f.close) {
			for _, m := range testName.FindAllStringSubmatch(line, -1) {
				if !seen[m[1]] {
					seen[m[1]] = true
					d.tests = append(d.tests, m[1])
				}
			}
		}
		if len(d.tests) == 0 {
			return nil, fmt.Errorf("%s: Break it diff %d: the paragraph after it names no test (as `TestName`)", r.line(f.open), d.n)
		}
		diffs = append(diffs, d)
	}
	return diffs, nil
}

// paragraphAfter returns the lines of the paragraph that follows line
// index end, blank lines before it skipped.
func paragraphAfter(r *readme, end int) []string {
	i := end + 1
	for i < len(r.lines) && strings.TrimSpace(r.lines[i]) == "" {
		i++
	}
	var para []string
	for ; i < len(r.lines); i++ {
		line := r.lines[i]
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			break
		}
		if _, _, _, _, ok := fenceOpening(line); ok {
			break
		}
		para = append(para, line)
	}
	return para
}

// runBreakIt applies each diff to a copy of the step and runs the tests it
// names there; it returns how many diffs did not break what they claim.
func runBreakIt(stepDir string, timeout time.Duration, out, errs io.Writer) (int, error) {
	r, err := readReadme(filepath.Join(stepDir, "README.md"))
	if err != nil {
		return 0, err
	}
	diffs, err := breakIt(r)
	if err != nil {
		return 0, err
	}
	if len(diffs) == 0 {
		fmt.Fprintf(out, "lesson: %s: no diff in Break it\n", r.path)
		return 0, nil
	}
	if os.Geteuid() != 0 {
		return 0, errors.New("break-it runs the step's tests, which need root: try 'sudo'")
	}
	failed := 0
	for _, d := range diffs {
		where := fmt.Sprintf("%s: Break it diff %d", r.line(d.open), d.n)
		passed, err := tryBreak(stepDir, d, timeout)
		switch {
		case err != nil:
			fmt.Fprintf(errs, "lesson: %s: %v\n", where, err)
			failed++
		case len(passed) > 0:
			fmt.Fprintf(errs, "lesson: %s: %s should fail with the diff, but did not\n", where, strings.Join(passed, ", "))
			failed++
		default:
			verb := "fails"
			if len(d.tests) > 1 {
				verb = "fail"
			}
			fmt.Fprintf(out, "lesson: %s: %s %s, as the README says\n", where, strings.Join(d.tests, ", "), verb)
		}
	}
	return failed, nil
}

// tryBreak copies the step into TMP/STEP, beside a link TMP/scripts to the
// repository's scripts (the tests run ../scripts/rootfs.sh), applies the
// diff and runs the named tests. It returns the tests that did not fail.
func tryBreak(stepDir string, d breakDiff, timeout time.Duration) ([]string, error) {
	abs, err := filepath.Abs(stepDir)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "lesson-break-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	forget := onInterrupt(func() { os.RemoveAll(tmp) })
	defer forget()
	work := filepath.Join(tmp, filepath.Base(abs))
	if err := copyStep(abs, work); err != nil {
		return nil, fmt.Errorf("copy the step: %w", err)
	}
	scripts := filepath.Join(filepath.Dir(abs), "scripts")
	if _, err := os.Stat(scripts); err == nil {
		if err := os.Symlink(scripts, filepath.Join(tmp, "scripts")); err != nil {
			return nil, err
		}
	}
	if err := applyPatch(work, d.text); err != nil {
		return nil, fmt.Errorf("the diff does not apply: %w", err)
	}
	output, err := goTest(work, d.tests, timeout)
	if err != nil {
		return nil, err
	}
	var passed []string
	for _, name := range d.tests {
		switch {
		case strings.Contains(output, "--- FAIL: "+name+" "):
		case strings.Contains(output, "--- PASS: "+name+" "):
			passed = append(passed, name)
		case strings.Contains(output, "--- SKIP: "+name+" "):
			passed = append(passed, name+" (skipped)")
		default:
			return nil, fmt.Errorf("%s did not run (is it a test of this step?); go test said:\n%s", name, tail(output, 20))
		}
	}
	return passed, nil
}

// goTest runs the named tests in the copy, outside the workspace (the copy
// is no module of go.work), with the step's own program and helper rather
// than any prebuilt one that the environment names.
func goTest(dir string, tests []string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout+time.Minute)
	defer cancel()
	run := "^(" + strings.Join(tests, "|") + ")$"
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-v", "-timeout", timeout.String(), "-run", run, ".")
	cmd.Dir = dir
	cmd.SysProcAttr = sandbox()
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "GOWORK", "GOFLAGS", "CONTAINER_BINARY", "CONTAINER_HELPER":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, "GOWORK=off", "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"))
	if _, err := os.Stat("/usr/local/go/bin/go"); err == nil {
		cmd.Env = append(cmd.Env, "PATH="+os.Getenv("PATH")+":/usr/local/go/bin")
	}
	forget := onInterrupt(func() {
		if cmd.Process != nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	defer forget()
	out, err := cmd.CombinedOutput()
	output := string(out)
	if ctx.Err() != nil {
		return "", fmt.Errorf("go test did not finish within %v", timeout+time.Minute)
	}
	if strings.Contains(output, "[build failed]") || strings.Contains(output, "[setup failed]") {
		return "", fmt.Errorf("the step does not build with the diff, so no test says anything:\n%s", tail(output, 20))
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return "", fmt.Errorf("go test: %w", err)
	}
	return output, nil
}

func tail(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// copyStep copies the step's files (not the built program or test
// binaries), keeping their modes.
func copyStep(from, to string) error {
	return filepath.WalkDir(from, func(p string, entry fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		info, err := entry.Info()
		if err != nil {
			return err
		}
		switch {
		case entry.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case rel == "container" || strings.HasSuffix(rel, ".test"):
			return nil
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case !info.Mode().IsRegular():
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
}
