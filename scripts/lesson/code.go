package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// elision is the line that, alone in a ```go block, stands for lines the
// lesson leaves out.
const elision = "// ..."

// codeLine is one line of a ```go block: its trimmed text and README index.
type codeLine struct {
	text  string
	index int
}

// goFile is one .go file of the step, its lines trimmed.
type goFile struct {
	name  string
	lines []string
}

// checkCode checks every ```go block of the step's README against its .go
// files and returns one message per block that is not in them.
func checkCode(stepDir string) ([]string, error) {
	r, err := readReadme(filepath.Join(stepDir, "README.md"))
	if err != nil {
		return nil, err
	}
	files, err := readGoFiles(stepDir)
	if err != nil {
		return nil, err
	}
	var failures []string
	for n, f := range r.blocks("go", "") {
		if msg := checkBlock(r, n+1, f, files); msg != "" {
			failures = append(failures, msg)
		}
	}
	return failures, nil
}

func readGoFiles(dir string) ([]goFile, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var files []goFile
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
		for i := range lines {
			lines[i] = strings.TrimSpace(lines[i])
		}
		files = append(files, goFile{filepath.Base(name), lines})
	}
	return files, nil
}

// checkBlock returns "" when block n is in one of the files, else the
// message naming the first line not found (in the file that has most of it).
func checkBlock(r *readme, n int, f fence, files []goFile) string {
	parts := blockParts(f)
	first := firstCodeLine(parts)
	if first == nil {
		return fmt.Sprintf("%s: go block %d is empty", r.line(f.open), n)
	}
	name := fmt.Sprintf("go block %d (%q)", n, first.text)
	if len(files) == 0 {
		return fmt.Sprintf("%s: %s: the step has no .go file", r.line(first.index), name)
	}
	bestScore, bestMissing, bestFile := -1, codeLine{}, ""
	for _, file := range files {
		score, missing, ok := findParts(parts, file.lines)
		if ok {
			return ""
		}
		if score > bestScore {
			bestScore, bestMissing, bestFile = score, missing, file.name
		}
	}
	return fmt.Sprintf("%s: %s: line not found: %q (nearest: %s)",
		r.line(bestMissing.index), name, bestMissing.text, bestFile)
}

// blockParts cuts a block at its "// ..." lines into the runs of lines that
// must each be found, in order. Blank lines at either end of a part do not
// count: the elision or the fence may stand for them.
func blockParts(f fence) [][]codeLine {
	var parts [][]codeLine
	var part []codeLine
	flush := func() {
		for len(part) > 0 && part[0].text == "" {
			part = part[1:]
		}
		for len(part) > 0 && part[len(part)-1].text == "" {
			part = part[:len(part)-1]
		}
		if len(part) > 0 {
			parts = append(parts, part)
		}
		part = nil
	}
	for i, line := range f.body {
		text := strings.TrimSpace(line)
		if text == elision {
			flush()
			continue
		}
		part = append(part, codeLine{text, f.open + 1 + i})
	}
	flush()
	return parts
}

func firstCodeLine(parts [][]codeLine) *codeLine {
	if len(parts) == 0 {
		return nil
	}
	return &parts[0][0]
}

// findParts looks for each part, in order, as a run of consecutive lines of
// the file. It reports whether all were found; if not, how many lines
// matched (to pick the nearest file) and the first line missing.
func findParts(parts [][]codeLine, lines []string) (score int, missing codeLine, ok bool) {
	from := 0
	for _, part := range parts {
		at, matched := longestRun(part, lines, from)
		if matched < len(part) {
			return score + matched, part[matched], false
		}
		score += matched
		from = at + matched
	}
	return score, codeLine{}, true
}

// longestRun finds where the longest prefix of part starts in lines (at or
// after from), and its length: the earliest full match if there is one.
func longestRun(part []codeLine, lines []string, from int) (at, matched int) {
	for start := from; start < len(lines); start++ {
		k := 0
		for k < len(part) && start+k < len(lines) && lines[start+k] == part[k].text {
			k++
		}
		if k > matched {
			at, matched = start, k
			if k == len(part) {
				break
			}
		}
	}
	return at, matched
}
