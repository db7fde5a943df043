package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckCode(t *testing.T) {
	failures, err := checkCode("testdata/code")
	require.NoError(t, err)
	assert.Equal(t, []string{
		// Blocks 1 (found, blank line and all) and 2 (around an elision) pass.
		`testdata/code/README.md:28: go block 3 ("func greet(name string) string {"): line not found: "msg := \"goodbye, \" + name" (nearest: run.go)`,
		`testdata/code/README.md:42: go block 4 ("fmt.Println(\"bye\")"): line not found: "fmt.Println(greet(\"world\"))" (nearest: run.go)`,
		`testdata/code/README.md:51: go block 5 ("return 42"): line not found: "func main() {" (nearest: other.go)`,
		`testdata/code/README.md:54: go block 6 is empty`,
	}, failures)
}

func TestCheckCodeMissingReadme(t *testing.T) {
	_, err := checkCode(t.TempDir())
	assert.Error(t, err)
}

func TestFindParts(t *testing.T) {
	file := []string{"a", "b", "", "c", "d", "e"}
	part := func(texts ...string) []codeLine {
		var out []codeLine
		for i, text := range texts {
			out = append(out, codeLine{text, 100 + i})
		}
		return out
	}
	tests := []struct {
		name    string
		parts   [][]codeLine
		ok      bool
		missing string
	}{
		{"whole run", [][]codeLine{part("b", "", "c")}, true, ""},
		{"two parts in order", [][]codeLine{part("a"), part("d", "e")}, true, ""},
		{"two parts reversed", [][]codeLine{part("d"), part("a")}, false, "a"},
		{"a blank line missing", [][]codeLine{part("b", "c")}, false, "c"},
		{"the longest prefix names the line", [][]codeLine{part("c", "d", "x")}, false, "x"},
		{"parts may not overlap", [][]codeLine{part("b", "", "c"), part("c")}, false, "c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, missing, ok := findParts(tt.parts, file)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.missing, missing.text)
		})
	}
}
