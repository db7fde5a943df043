package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// runOptions are what transcript and demo share.
type runOptions struct {
	dir       string        // the sessions' working folder ("" = the step's)
	timeout   time.Duration // for each command
	skipBuild bool          // leave out "go build -o container ."
	blocks    []int         // the console blocks to run (none = all)
}

// checkBlocks refuses a --block that Try it does not have.
func (o runOptions) checkBlocks(r *readme, blocks []consoleBlock) error {
	for _, n := range o.blocks {
		if n > len(blocks) {
			return fmt.Errorf("%s: Try it has %d console block(s), not %d", r.path, len(blocks), n)
		}
	}
	return nil
}

func (o runOptions) wants(n int) bool {
	if len(o.blocks) == 0 {
		return true
	}
	for _, b := range o.blocks {
		if b == n {
			return true
		}
	}
	return false
}

// blockPlan says where a block's session starts and what it runs for each
// command. The lesson format types commands in the step's folder; a block
// that says "cd STEP" (the step's own folder) is typed from the
// repository's root instead. Such a block starts in the parent of the
// working folder when that is the step's folder by name, so that what it
// runs before the cd works too; in a working folder of another name, the
// cd is dropped.
type blockPlan struct {
	dir      string
	fromRoot bool
	step     string
	opt      runOptions
}

func (o runOptions) plan(b consoleBlock, stepDir string) blockPlan {
	p := blockPlan{dir: stepDir, step: stepName(stepDir), opt: o}
	if o.dir != "" {
		p.dir = o.dir
	}
	if stepName(p.dir) != p.step {
		return p
	}
	for _, c := range b.commands {
		if withoutStepCd(c.text, p.step) != c.text {
			p.fromRoot = true
			p.dir = filepath.Dir(filepath.Clean(p.dir))
			if abs, err := filepath.Abs(p.dir); err == nil {
				p.dir = abs
			}
			break
		}
	}
	return p
}

// text is what the session runs for a README command, and whether it runs
// at all: --skip-build leaves out "go build -o container ." (keeping the
// cd into the step that may come with it).
func (p blockPlan) text(c command) (string, bool) {
	stripped := withoutStepCd(c.text, p.step)
	if p.opt.skipBuild && isBuild(strings.ReplaceAll(stripped, "\\\n", "")) {
		if p.fromRoot && stripped != c.text {
			return "cd " + p.step, true
		}
		return "", false
	}
	if p.fromRoot {
		return c.text, true
	}
	return stripped, true
}

// stepName is the step folder's name (step01-uts), also for ".".
func stepName(stepDir string) string {
	if abs, err := filepath.Abs(stepDir); err == nil {
		return filepath.Base(abs)
	}
	return filepath.Base(stepDir)
}

// transcript runs the Try it commands and compares each output with the
// README (check), or writes what they printed into the README (record).
// It returns how many commands failed.
func transcript(stepDir string, opt runOptions, record bool, out, errs io.Writer) (int, error) {
	r, blocks, err := readTryIt(stepDir)
	if err == nil {
		err = opt.checkBlocks(r, blocks)
	}
	if err != nil {
		return 0, err
	}
	failed, ran := 0, 0
	replace := map[int][]string{} // README index of a command -> its new output
	for _, b := range blocks {
		if !opt.wants(b.n) {
			continue
		}
		plan := opt.plan(b, stepDir)
		s, err := startSession(sessionOptions{dir: plan.dir, timeout: opt.timeout})
		if err != nil {
			return failed, err
		}
		for _, c := range b.commands {
			text, run := plan.text(c)
			if !run {
				continue
			}
			ran++
			got, _, err := s.run(text)
			where := fmt.Sprintf("%s: Try it block %d", r.line(c.index), b.n)
			if err != nil {
				fmt.Fprintf(errs, "lesson: %s: %q %v\n", where, c.oneLine(), err)
				showOutput(errs, "got so far", outputLines(got))
				failed++
				break
			}
			if record {
				replace[c.index] = outputLines(got)
				continue
			}
			if !looseMatch(c.expected, got) {
				fmt.Fprintf(errs, "lesson: %s: the output of %q differs from the README\n", where, c.oneLine())
				showOutput(errs, "expected", c.expected)
				showOutput(errs, "got", outputLines(got))
				if looseMatch(trimLines(c.expected), strings.Join(trimLines(outputLines(got)), "\n")) {
					fmt.Fprintln(errs, "  (they differ only in spaces at the ends of lines: the README must keep them)")
				}
				failed++
			}
		}
		s.close()
	}
	switch {
	case record && failed > 0:
		fmt.Fprintf(errs, "lesson: %s: not recorded: %d command(s) did not finish\n", r.path, failed)
	case record:
		changed, err := rewriteOutputs(r, blocks, replace)
		if err != nil {
			return failed, err
		}
		fmt.Fprintf(out, "lesson: %s: recorded the output of %d command(s), %d changed\n", r.path, ran, changed)
	case failed == 0:
		fmt.Fprintf(out, "lesson: %s: the output of %d command(s) matches\n", r.path, ran)
	}
	return failed, nil
}

func trimLines(lines []string) []string {
	out := make([]string, len(lines))
	for i, line := range lines {
		out[i] = strings.TrimRight(line, " \t")
	}
	return out
}

func showOutput(w io.Writer, title string, lines []string) {
	fmt.Fprintf(w, "  %s:\n", title)
	if len(lines) == 0 {
		fmt.Fprintln(w, "    (nothing)")
	}
	for _, line := range lines {
		fmt.Fprintf(w, "    %s\n", line)
	}
}

// rewriteOutputs replaces the output lines of the recorded commands and
// writes the README back if anything changed. It returns how many changed.
func rewriteOutputs(r *readme, blocks []consoleBlock, replace map[int][]string) (int, error) {
	var lines []string
	next, changed := 0, 0
	for _, b := range blocks {
		for _, c := range b.commands {
			got, ok := replace[c.index]
			if !ok {
				continue
			}
			if strings.Join(got, "\n") != strings.Join(c.expected, "\n") || len(got) != len(c.expected) {
				changed++
			}
			lines = append(lines, r.lines[next:c.outStart]...)
			lines = append(lines, got...)
			next = c.outStart + len(c.expected)
		}
	}
	if changed == 0 {
		return 0, nil
	}
	lines = append(lines, r.lines[next:]...)
	info, err := os.Stat(r.path)
	if err != nil {
		return 0, err
	}
	return changed, os.WriteFile(r.path, []byte(strings.Join(lines, "\n")+"\n"), info.Mode().Perm())
}
