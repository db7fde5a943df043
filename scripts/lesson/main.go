// Command lesson checks and plays the lessons of the steps (their
// README.md), in the workshop's lesson format: the ```go blocks against
// the step's source, the "Try it" transcript against a real run, and the
// diffs of "Break it" against the step's tests.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

const usage = `usage:
  lesson check-code STEPDIR...
      every ` + "```go" + ` block of STEPDIR/README.md must be in one of the step's .go files
  lesson commands [--json] STEPDIR
      the Try it commands: "BLOCK<tab>LINE<tab>COMMAND" a line, or JSON with their outputs
  lesson transcript --check|--record [--dir DIR] [--timeout 60s] [--skip-build] [--block N,...] STEPDIR
      runs the Try it commands (one bash session per block, in DIR, default STEPDIR) and
      compares their output with the README (--check) or writes it into the README (--record)
  lesson break-it [--timeout 5m] STEPDIR...
      applies each diff of Break it to a copy of the step and checks that the tests it names fail (root)
  lesson demo [--auto] [--delay 25ms] [--dir DIR] [--timeout 60s] [--skip-build] [--block N,...] STEPDIR
      types each Try it command, waits for Enter (q quits, with status 3; --auto: no delay,
      no wait) and runs it, its output shown as it comes
`

func main() {
	handleInterrupts()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// errUsage: the command line is wrong; the usage has been printed.
var errUsage = errors.New("usage")

func run(args []string, stdin io.Reader, stdout, stderr *os.File) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var failed int
	var err error
	switch args[0] {
	case "check-code":
		failed, err = cmdCheckCode(args[1:], stdout, stderr)
	case "commands":
		err = cmdCommands(args[1:], stdout, stderr)
	case "transcript":
		failed, err = cmdTranscript(args[1:], stdout, stderr)
	case "break-it":
		failed, err = cmdBreakIt(args[1:], stdout, stderr)
	case "demo":
		failed, err = cmdDemo(args[1:], stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "lesson: no subcommand %q\n%s", args[0], usage)
		return 2
	}
	switch {
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errQuit):
		return 3
	case err != nil:
		fmt.Fprintf(stderr, "lesson: %v\n", err)
		return 1
	case failed > 0:
		return 1
	}
	return 0
}

// parseArgs parses flags that may come before or after the operands.
func parseArgs(fs *flag.FlagSet, args []string, stderr io.Writer, min, max int) ([]string, error) {
	fs.SetOutput(io.Discard)
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			fmt.Fprintf(stderr, "lesson %s: %v\n%s", fs.Name(), err, usage)
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		operands = append(operands, args[0])
		args = args[1:]
	}
	if len(operands) < min || (max > 0 && len(operands) > max) {
		fmt.Fprintf(stderr, "lesson %s: wrong number of STEPDIRs\n%s", fs.Name(), usage)
		return nil, errUsage
	}
	for _, dir := range operands {
		if _, err := os.Stat(dir + "/README.md"); err != nil {
			return nil, fmt.Errorf("%s: no README.md there: give a step's folder (step01-uts)", dir)
		}
	}
	return operands, nil
}

func cmdCheckCode(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("check-code", flag.ContinueOnError)
	dirs, err := parseArgs(fs, args, stderr, 1, 0)
	if err != nil {
		return 0, err
	}
	failed := 0
	for _, dir := range dirs {
		failures, err := checkCode(dir)
		if err != nil {
			return failed, err
		}
		for _, msg := range failures {
			fmt.Fprintf(stderr, "lesson: %s\n", msg)
		}
		failed += len(failures)
	}
	if failed == 0 {
		fmt.Fprintf(stdout, "lesson: check-code: every go block of %s is in its source\n", strings.Join(dirs, ", "))
	}
	return failed, nil
}

func cmdCommands(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("commands", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	dirs, err := parseArgs(fs, args, stderr, 1, 1)
	if err != nil {
		return err
	}
	_, blocks, err := readTryIt(dirs[0])
	if err != nil {
		return err
	}
	type jsonCommand struct {
		Block   int      `json:"block"`
		Line    int      `json:"line"`
		Command string   `json:"command"`
		Output  []string `json:"output"`
	}
	list := []jsonCommand{}
	for _, b := range blocks {
		for _, c := range b.commands {
			if *asJSON {
				list = append(list, jsonCommand{b.n, c.index + 1, c.text, append([]string{}, c.expected...)})
				continue
			}
			fmt.Fprintf(stdout, "%d\t%d\t%s\n", b.n, c.index+1, c.oneLine())
		}
	}
	if *asJSON {
		out := json.NewEncoder(stdout)
		out.SetIndent("", "  ")
		out.SetEscapeHTML(false)
		return out.Encode(list)
	}
	return nil
}

// blockList is a --block flag: "2" or "1,3".
type blockList []int

func (b *blockList) String() string { return fmt.Sprint(*b) }

func (b *blockList) Set(s string) error {
	for _, field := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return fmt.Errorf("--block %q: want block numbers from 1", s)
		}
		*b = append(*b, n)
	}
	return nil
}

func addRunFlags(fs *flag.FlagSet, opt *runOptions) {
	fs.StringVar(&opt.dir, "dir", "", "")
	fs.DurationVar(&opt.timeout, "timeout", 60*time.Second, "")
	fs.BoolVar(&opt.skipBuild, "skip-build", false, "")
	fs.Var((*blockList)(&opt.blocks), "block", "")
}

func cmdTranscript(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("transcript", flag.ContinueOnError)
	check := fs.Bool("check", false, "")
	record := fs.Bool("record", false, "")
	var opt runOptions
	addRunFlags(fs, &opt)
	dirs, err := parseArgs(fs, args, stderr, 1, 1)
	if err != nil {
		return 0, err
	}
	if *check == *record {
		fmt.Fprintf(stderr, "lesson transcript: give one of --check and --record\n%s", usage)
		return 0, errUsage
	}
	return transcript(dirs[0], opt, *record, stdout, stderr)
}

func cmdBreakIt(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("break-it", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 5*time.Minute, "")
	dirs, err := parseArgs(fs, args, stderr, 1, 0)
	if err != nil {
		return 0, err
	}
	failed := 0
	for _, dir := range dirs {
		n, err := runBreakIt(dir, *timeout, stdout, stderr)
		if err != nil {
			return failed, err
		}
		failed += n
	}
	return failed, nil
}

func cmdDemo(args []string, stdin io.Reader, stdout, stderr *os.File) (int, error) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var opt demoOptions
	addRunFlags(fs, &opt.runOptions)
	fs.BoolVar(&opt.auto, "auto", false, "")
	fs.DurationVar(&opt.delay, "delay", 25*time.Millisecond, "")
	dirs, err := parseArgs(fs, args, stderr, 1, 1)
	if err != nil {
		return 0, err
	}
	return demo(dirs[0], opt, stdin, stdout)
}
