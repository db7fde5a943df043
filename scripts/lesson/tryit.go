package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
)

// consoleBlock is one ```console block of "## Try it": the commands of one
// bash session.
type consoleBlock struct {
	n        int // 1-based among the section's console blocks
	open     int // README index of the opening fence
	commands []command
}

// command is a "$ " line (with its continuation lines) and the output that
// the README shows after it.
type command struct {
	text     string   // as typed, continuation lines joined by "\n"
	index    int      // README index of the "$ " line
	expected []string // the output lines
	outStart int      // README index of the first output line
}

// oneLine is the command with its continuations joined, as bash reads it.
func (c command) oneLine() string {
	return strings.ReplaceAll(c.text, "\\\n", "")
}

// tryIt parses the console blocks of a README's "## Try it".
func tryIt(r *readme) ([]consoleBlock, error) {
	var blocks []consoleBlock
	for n, f := range r.blocks("console", "Try it") {
		b := consoleBlock{n: n + 1, open: f.open}
		for i := 0; i < len(f.body); i++ {
			line := f.body[i]
			index := f.open + 1 + i
			if line == "$" || strings.HasPrefix(line, "$ ") {
				c := command{text: strings.TrimPrefix(strings.TrimPrefix(line, "$"), " "), index: index}
				for strings.HasSuffix(c.text, "\\") && i+1 < len(f.body) {
					i++
					c.text += "\n" + f.body[i]
				}
				if strings.TrimSpace(c.text) == "" {
					return nil, fmt.Errorf("%s: an empty command", r.line(index))
				}
				c.outStart = f.open + 2 + i
				b.commands = append(b.commands, c)
				continue
			}
			if len(b.commands) == 0 {
				if strings.TrimSpace(line) != "" {
					return nil, fmt.Errorf("%s: output before the first \"$ \" command of the block", r.line(index))
				}
				continue
			}
			last := &b.commands[len(b.commands)-1]
			last.expected = append(last.expected, line)
		}
		blocks = append(blocks, b)
	}
	return blocks, nil
}

func readTryIt(stepDir string) (*readme, []consoleBlock, error) {
	r, err := readReadme(filepath.Join(stepDir, "README.md"))
	if err != nil {
		return nil, nil, err
	}
	blocks, err := tryIt(r)
	return r, blocks, err
}

// looseMatch is the lesson format's one loose rule: each run of digits in
// expected matches any run of digits in got; all else must be equal. A
// final newline of got is not part of what a README can show.
func looseMatch(expected []string, got string) bool {
	return matcher(expected).MatchString(strings.TrimSuffix(got, "\n"))
}

var digitRuns = regexp.MustCompile(`[0-9]+`)

func matcher(expected []string) *regexp.Regexp {
	text := strings.Join(expected, "\n")
	var pattern strings.Builder
	pattern.WriteString(`^`)
	last := 0
	for _, run := range digitRuns.FindAllStringIndex(text, -1) {
		pattern.WriteString(regexp.QuoteMeta(text[last:run[0]]))
		pattern.WriteString(`[0-9]+`)
		last = run[1]
	}
	pattern.WriteString(regexp.QuoteMeta(text[last:]))
	pattern.WriteString(`$`)
	return regexp.MustCompile(pattern.String())
}

// outputLines is what a README shows for a command's output.
func outputLines(got string) []string {
	got = strings.TrimSuffix(got, "\n")
	if got == "" {
		return nil
	}
	return strings.Split(got, "\n")
}

// isBuild tells the command that builds the step's program, which a run
// with --skip-build leaves out (the test VM has it built already).
func isBuild(cmd string) bool {
	return strings.Join(strings.Fields(cmd), " ") == "go build -o container ."
}

// withoutStepCd drops a leading "cd STEP" (STEP being the step folder's
// own name): the session already starts in the step's folder, while a
// README may show the command as typed from the repository's root.
func withoutStepCd(cmd, step string) string {
	trimmed := strings.TrimLeftFunc(cmd, unicode.IsSpace)
	for _, name := range []string{step, step + "/", "./" + step, "./" + step + "/"} {
		rest, ok := strings.CutPrefix(trimmed, "cd "+name)
		if !ok {
			continue
		}
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		switch {
		case rest == "":
			return ":"
		case strings.HasPrefix(rest, "&&"):
			return strings.TrimLeftFunc(rest[2:], unicode.IsSpace)
		case strings.HasPrefix(rest, ";"):
			return strings.TrimLeftFunc(rest[1:], unicode.IsSpace)
		}
	}
	return cmd
}
