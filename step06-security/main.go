//go:build linux

// Command container runs a program in a container: new Linux namespaces around an ordinary process.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/sys/unix"
)

// Exit statuses, as docker uses them.
const (
	exitRuntimeFailed = 125 // the runtime failed: bad flag, bad rootfs, setup error
	exitCannotExecute = 126 // COMMAND exists but cannot be executed
	exitNotFound      = 127 // COMMAND was not found
)

const usage = `Usage: container run [options] COMMAND [ARG...]

Runs COMMAND in a container and exits with its status.

Options:
`

// config is what the run command line asks for. The host side and the init
// parse the same arguments, so the init learns its settings without a
// second format.
type config struct {
	hostname string
	env      envFlags
	rootfs   string
	network  string
	memory   string
	pids     string
	cpus     string
	limits   limits
	security security
	command  []string
}

func main() {
	// A descriptor the caller left open (a shell's 'exec 7</dir') would
	// reach COMMAND, and a directory of the host's leads out of any root
	// (the pattern of runc's CVE-2024-21626). Only 0, 1 and 2 go on, and
	// the pipes that the runtime hands its init on purpose.
	if err := unix.CloseRange(3, math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC); err != nil {
		os.Exit(fail(fmt.Errorf("mark inherited descriptors close-on-exec (Linux 5.11 or later needed): %w", err)))
	}
	if len(os.Args) > 1 && os.Args[1] == "init" {
		os.Exit(containerInit(os.Args[2:]))
	}
	os.Exit(cli(os.Args[1:]))
}

func cli(args []string) int {
	if len(args) == 0 {
		return fail(errors.New("missing command: try 'container run sh' or 'container --help'"))
	}
	switch args[0] {
	case "run":
		cfg, err := parseRun(args[1:], os.Stdout)
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if err != nil {
			return fail(err)
		}
		return run(cfg, args[1:])
	case "-h", "-help", "--help", "help":
		printUsage(os.Stdout)
		return 0
	default:
		return fail(fmt.Errorf("unknown command %q: the only command is 'run' (see 'container --help')", args[0]))
	}
}

func newFlagSet(cfg *config, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.hostname, "hostname", "container", "the container's `NAME` (its UTS namespace's hostname)")
	fs.Var(&cfg.env, "e", "set `KEY=VALUE` in COMMAND's environment, or pass KEY's value from yours (repeatable)")
	fs.Var(&cfg.env, "env", "the same as -e")
	fs.StringVar(&cfg.rootfs, "rootfs", defaultRootfs, "the `DIR` that becomes the container's /")
	fs.StringVar(&cfg.network, "network", networkBridge, "`MODE`: 'bridge' (an eth0 on a host bridge, with NAT) or 'none' (lo only)")
	fs.StringVar(&cfg.memory, "memory", "", "limit memory to `SIZE` bytes, or with a k, m or g suffix (at least 6m); no swap")
	fs.StringVar(&cfg.pids, "pids", "", "limit COMMAND to `N` processes and threads at once (its own: the init is not counted)")
	fs.StringVar(&cfg.cpus, "cpus", "", "limit CPU time to `F` CPUs' worth, as in 0.5")
	fs.Var(&cfg.security.capAdd, "cap-add", "add capability `NAME` (as in NET_ADMIN, or ALL) to docker's default 14; repeatable")
	fs.Var(&cfg.security.capDrop, "cap-drop", "drop capability `NAME` (or ALL) from the default set; repeatable")
	fs.Var(&cfg.security.opts, "security-opt", "`seccomp=unconfined` runs COMMAND without the seccomp filter")
	return fs
}

// parseRun parses and checks the arguments of 'container run', so that bad
// input is refused before anything is created. Help goes to helpOut.
func parseRun(args []string, helpOut io.Writer) (config, error) {
	var cfg config
	fs := newFlagSet(&cfg, io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(helpOut)
		return cfg, err
	}
	if err != nil {
		return cfg, fmt.Errorf("%v (see 'container run --help')", err)
	}
	cfg.command = fs.Args()
	if len(cfg.command) == 0 {
		return cfg, errors.New("no command given: try 'container run sh'")
	}
	if err := checkHostname(cfg.hostname); err != nil {
		return cfg, err
	}
	if cfg.rootfs, err = checkRootfs(cfg.rootfs); err != nil {
		return cfg, err
	}
	if err := checkNetwork(cfg.network); err != nil {
		return cfg, err
	}
	if cfg.limits, err = parseLimits(cfg.memory, cfg.pids, cfg.cpus); err != nil {
		return cfg, err
	}
	if err := cfg.security.check(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	newFlagSet(&config{}, w).PrintDefaults()
}

// envFlags collects the -e flags, checked as they come.
type envFlags []string

func (e *envFlags) String() string { return strings.Join(*e, " ") }

func (e *envFlags) Set(value string) error {
	if err := checkEnv(value); err != nil {
		return err
	}
	*e = append(*e, value)
	return nil
}

// fail prints err as the runtime's one line on stderr and returns 125.
// Control characters are escaped: a newline in a flag must not start a
// second line that looks like ours.
func fail(err error) int {
	fmt.Fprintf(os.Stderr, "container: %s\n", oneLine(err.Error()))
	return exitRuntimeFailed
}

// oneLine escapes the control characters of s, as Go quotes them.
func oneLine(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			b.WriteString(strings.Trim(strconv.QuoteRune(r), "'"))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
