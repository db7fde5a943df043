package main

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// This applies a unified diff as `patch -p1 --fuzz=0` does: each hunk's
// context must match exactly, though it may have moved (an offset). Doing
// it here, rather than calling patch(1), keeps the tool free of a package
// that minimal systems lack, and its errors name the README's hunk.

// filePatch is the diff of one file; a path is "" for /dev/null.
type filePatch struct {
	oldPath, newPath string
	hunks            []hunk
}

type hunk struct {
	header           string
	oldStart, oldLen int
	newStart, newLen int
	old, new         []string // the lines each side has, without prefixes
	oldNoEOL         bool     // "\ No newline at end of file" after the old side
	newNoEOL         bool
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@`)

func parsePatch(text string) ([]filePatch, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	var files []filePatch
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "--- ") || i+1 == len(lines) || !strings.HasPrefix(lines[i+1], "+++ ") {
			continue // "diff --git", "index", prose
		}
		var fp filePatch
		var err error
		if fp.oldPath, err = stripPath(lines[i][4:]); err != nil {
			return nil, err
		}
		if fp.newPath, err = stripPath(lines[i+1][4:]); err != nil {
			return nil, err
		}
		if fp.oldPath == "" && fp.newPath == "" {
			return nil, errors.New("a diff from /dev/null to /dev/null")
		}
		i += 2
		for i < len(lines) && strings.HasPrefix(lines[i], "@@") {
			h, next, err := parseHunk(lines, i)
			if err != nil {
				return nil, err
			}
			fp.hunks = append(fp.hunks, h)
			i = next
		}
		if len(fp.hunks) == 0 {
			return nil, fmt.Errorf("the diff of %s has no hunk", fp.name())
		}
		files = append(files, fp)
		i--
	}
	if len(files) == 0 {
		return nil, errors.New("no '--- a/FILE' and '+++ b/FILE' lines: not a unified diff")
	}
	return files, nil
}

func (fp filePatch) name() string {
	if fp.newPath != "" {
		return fp.newPath
	}
	return fp.oldPath
}

// stripPath drops the first component, as -p1 does, and refuses a path
// that would leave the step's folder.
func stripPath(field string) (string, error) {
	name, _, _ := strings.Cut(field, "\t") // a timestamp may follow
	name = strings.TrimSpace(name)
	if name == "/dev/null" {
		return "", nil
	}
	_, rest, ok := strings.Cut(name, "/")
	if !ok || rest == "" {
		return "", fmt.Errorf("%q has no leading folder to strip (as patch -p1 does): write a/%s", name, name)
	}
	clean := path.Clean(rest)
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("%q leads out of the step's folder", name)
	}
	return clean, nil
}

// parseHunk reads the hunk whose header is lines[i]; it returns the index
// of the line after it.
func parseHunk(lines []string, i int) (hunk, int, error) {
	m := hunkHeader.FindStringSubmatch(lines[i])
	if m == nil {
		return hunk{}, 0, fmt.Errorf("bad hunk header %q", lines[i])
	}
	h := hunk{header: lines[i]}
	number := func(s string) int {
		if s == "" {
			return 1
		}
		n, _ := strconv.Atoi(s)
		return n
	}
	h.oldStart, h.oldLen = number(m[1]), number(m[2])
	h.newStart, h.newLen = number(m[3]), number(m[4])
	i++
	last := byte(0)
	for ; i < len(lines) && (len(h.old) < h.oldLen || len(h.new) < h.newLen); i++ {
		line := lines[i]
		kind, text := byte(' '), ""
		if line != "" { // an empty line is an empty context line whose space an editor removed
			kind, text = line[0], line[1:]
		}
		switch kind {
		case ' ':
			h.old = append(h.old, text)
			h.new = append(h.new, text)
		case '-':
			h.old = append(h.old, text)
		case '+':
			h.new = append(h.new, text)
		case '\\':
			h.setNoEOL(last)
			continue
		default:
			return hunk{}, 0, h.countError()
		}
		last = kind
	}
	if len(h.old) != h.oldLen || len(h.new) != h.newLen {
		return hunk{}, 0, h.countError()
	}
	if i < len(lines) && strings.HasPrefix(lines[i], "\\") {
		h.setNoEOL(last)
		i++
	}
	return h, i, nil
}

func (h *hunk) setNoEOL(after byte) {
	switch after {
	case '-':
		h.oldNoEOL = true
	case '+':
		h.newNoEOL = true
	default:
		h.oldNoEOL, h.newNoEOL = true, true
	}
}

func (h *hunk) countError() error {
	return fmt.Errorf("hunk %q does not hold %d old and %d new lines, as its header says", h.header, h.oldLen, h.newLen)
}

// applyPatch applies a unified diff to the files under dir.
func applyPatch(dir, text string) error {
	files, err := parsePatch(text)
	if err != nil {
		return err
	}
	for _, fp := range files {
		if err := applyFile(dir, fp); err != nil {
			return fmt.Errorf("%s: %w", fp.name(), err)
		}
	}
	return nil
}

func applyFile(dir string, fp filePatch) error {
	target := filepath.Join(dir, filepath.FromSlash(fp.name()))
	var lines []string
	eol, mode := true, os.FileMode(0o644)
	if fp.oldPath != "" {
		data, err := os.ReadFile(target)
		if err != nil {
			return err
		}
		if info, err := os.Stat(target); err == nil {
			mode = info.Mode().Perm()
		}
		text := string(data)
		eol = text == "" || strings.HasSuffix(text, "\n")
		if text != "" {
			lines = strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		}
	} else if _, err := os.Stat(target); err == nil {
		return errors.New("the diff creates it, but it exists")
	}
	result, eol, err := applyHunks(lines, eol, fp.hunks)
	if err != nil {
		return err
	}
	if fp.newPath == "" {
		if len(result) > 0 {
			return errors.New("the diff deletes it, but lines would remain")
		}
		return os.Remove(target)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	text := strings.Join(result, "\n")
	if eol && len(result) > 0 {
		text += "\n"
	}
	return os.WriteFile(target, []byte(text), mode)
}

// applyHunks applies the hunks in order, each where its old lines are,
// nearest to where its header says (shifted as much as the hunk before).
func applyHunks(lines []string, eol bool, hunks []hunk) ([]string, bool, error) {
	var out []string
	cursor, shift := 0, 0
	for _, h := range hunks {
		want := h.oldStart - 1 + shift
		if h.oldLen == 0 {
			want = h.oldStart + shift // "-5,0": after line 5
		}
		at := findLines(lines, h.old, want, cursor)
		if at < 0 {
			return nil, false, fmt.Errorf("hunk %q does not apply: its lines are not in the file (in order)", h.header)
		}
		shift = at - (want - shift)
		if h.oldLen == 0 {
			shift = at - h.oldStart
		}
		out = append(out, lines[cursor:at]...)
		out = append(out, h.new...)
		cursor = at + len(h.old)
		if h.newNoEOL {
			eol = false
		} else if h.oldNoEOL {
			eol = true
		}
	}
	return append(out, lines[cursor:]...), eol, nil
}

// findLines returns the position at or after from, nearest to want, where
// lines holds want's run of old lines; -1 if none.
func findLines(lines, old []string, want, from int) int {
	last := len(lines) - len(old)
	matches := func(at int) bool {
		if at < from || at > last {
			return false
		}
		for k := range old {
			if lines[at+k] != old[k] {
				return false
			}
		}
		return true
	}
	for d := 0; want-d >= from || want+d <= last; d++ {
		if matches(want - d) {
			return want - d
		}
		if matches(want + d) {
			return want + d
		}
	}
	return -1
}
