package main

import (
	"fmt"
	"os"
	"strings"
)

// readme is a step's README.md, cut into lines, with its fenced blocks.
type readme struct {
	path   string   // as given, for messages
	lines  []string // the file's lines, without their newlines
	fences []fence
}

// fence is one fenced code block.
type fence struct {
	lang    string   // first word of the info string: go, console, diff
	section string   // the "## " heading it is under, without the hashes
	open    int      // index in readme.lines of the opening fence line
	close   int      // index of the closing fence line
	body    []string // the lines between, the fence's indentation removed
}

// line is a README line number (1-based) for messages.
func (r *readme) line(index int) string {
	return fmt.Sprintf("%s:%d", r.path, index+1)
}

func readReadme(path string) (*readme, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseReadme(path, string(data))
}

// parseReadme finds the fenced blocks and the "## " section of each. Text in
// HTML comments outside fences is neither a heading nor a fence: the
// lesson format hides things there.
func parseReadme(path, text string) (*readme, error) {
	text = strings.TrimSuffix(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	r := &readme{path: path, lines: strings.Split(text, "\n")}
	section := ""
	inComment := false
	for i := 0; i < len(r.lines); i++ {
		var visible string
		visible, inComment = stripComments(r.lines[i], inComment)
		if strings.HasPrefix(visible, "## ") {
			section = strings.TrimSpace(visible[3:])
			continue
		}
		indent, char, n, info, ok := fenceOpening(visible)
		if !ok {
			continue
		}
		f := fence{lang: firstWord(info), section: section, open: i}
		for i++; ; i++ {
			if i == len(r.lines) {
				return nil, fmt.Errorf("%s: the code block opened here is never closed", r.line(f.open))
			}
			if isFenceClose(r.lines[i], char, n) {
				break
			}
			f.body = append(f.body, unindent(r.lines[i], indent))
		}
		f.close = i
		r.fences = append(r.fences, f)
	}
	return r, nil
}

// stripComments returns what of line is outside <!-- --> comments, and
// whether a comment is still open at its end.
func stripComments(line string, inComment bool) (string, bool) {
	var kept strings.Builder
	for {
		if inComment {
			end := strings.Index(line, "-->")
			if end < 0 {
				return kept.String(), true
			}
			line = line[end+3:]
			inComment = false
			continue
		}
		start := strings.Index(line, "<!--")
		if start < 0 {
			kept.WriteString(line)
			return kept.String(), false
		}
		kept.WriteString(line[:start])
		line = line[start+4:]
		inComment = true
	}
}

// fenceOpening recognises ``` or ~~~ (three or more) with an info string.
func fenceOpening(line string) (indent int, char byte, n int, info string, ok bool) {
	trimmed := strings.TrimLeft(line, " ")
	indent = len(line) - len(trimmed)
	if len(trimmed) < 3 || (trimmed[0] != '`' && trimmed[0] != '~') {
		return 0, 0, 0, "", false
	}
	char = trimmed[0]
	for n < len(trimmed) && trimmed[n] == char {
		n++
	}
	if n < 3 {
		return 0, 0, 0, "", false
	}
	info = strings.TrimSpace(trimmed[n:])
	if char == '`' && strings.Contains(info, "`") {
		return 0, 0, 0, "", false // inline code, not a fence
	}
	return indent, char, n, info, true
}

func isFenceClose(line string, char byte, n int) bool {
	trimmed := strings.TrimSpace(line)
	return len(trimmed) >= n && strings.Trim(trimmed, string(char)) == ""
}

// unindent removes up to indent leading spaces, as Markdown does for the
// body of an indented fence (in a list item).
func unindent(line string, indent int) string {
	for i := 0; i < indent && strings.HasPrefix(line, " "); i++ {
		line = line[1:]
	}
	return line
}

func firstWord(s string) string {
	if fields := strings.Fields(s); len(fields) > 0 {
		return strings.ToLower(fields[0])
	}
	return ""
}

// blocks returns the fences of one language, in one section ("" for all).
func (r *readme) blocks(lang, section string) []fence {
	var out []fence
	for _, f := range r.fences {
		if f.lang == lang && (section == "" || f.section == section) {
			out = append(out, f)
		}
	}
	return out
}
