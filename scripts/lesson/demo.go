package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// errQuit: the instructor typed q; scripts/demo.sh then stops too.
var errQuit = errors.New("quit")

// demoOptions: an instructor's walk through Try it.
type demoOptions struct {
	runOptions
	auto  bool          // no typing delay, no waiting for Enter
	delay time.Duration // between typed characters
}

// demo shows each command as if typed, waits for Enter (q and Enter
// quits), runs it in the block's session and lets its output through as
// it comes. It returns how many commands failed to finish.
func demo(stepDir string, opt demoOptions, in io.Reader, out *os.File) (int, error) {
	r, blocks, err := readTryIt(stepDir)
	if err == nil {
		err = opt.checkBlocks(r, blocks)
	}
	if err != nil {
		return 0, err
	}
	keys := bufio.NewReader(in)
	step := stepName(stepDir)
	failed := 0
	for _, b := range blocks {
		if !opt.wants(b.n) {
			continue
		}
		fmt.Fprintf(out, "\n# %s, Try it, block %d of %d\n", step, b.n, len(blocks))
		plan := opt.runOptions.plan(b, stepDir)
		s, err := startSession(sessionOptions{dir: plan.dir, timeout: opt.timeout, stdout: out, stderr: out})
		if err != nil {
			return failed, err
		}
		for _, c := range b.commands {
			text, run := plan.text(c)
			fmt.Fprint(out, "$ ")
			typeOut(out, c.text, opt.delay, opt.auto)
			if !opt.auto {
				answer, err := keys.ReadString('\n')
				if strings.TrimSpace(answer) == "q" {
					s.close()
					return failed, errQuit
				}
				if err != nil { // no more input: go on by itself
					opt.auto = true
				}
				if err != nil || !terminal(in) { // else the terminal echoed the Enter
					fmt.Fprintln(out)
				}
			} else {
				fmt.Fprintln(out)
			}
			if !run {
				fmt.Fprintln(out, "# (skipped: the program is built already)")
				continue
			}
			if _, _, err := s.run(text); err != nil {
				fmt.Fprintf(out, "\nlesson: %s: %v\n", step, err)
				failed++
				break
			}
		}
		s.close()
	}
	return failed, nil
}

// typeOut prints text a character at a time, as if typed.
func typeOut(w io.Writer, text string, delay time.Duration, auto bool) {
	if auto || delay <= 0 {
		fmt.Fprint(w, text)
		return
	}
	for _, r := range text {
		fmt.Fprint(w, string(r))
		time.Sleep(delay)
	}
}

// terminal tells whether r is a terminal, which echoes what is typed.
func terminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
