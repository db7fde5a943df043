package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseReadme(t *testing.T) {
	r, err := parseReadme("README.md", "# Title\n\n## The code\n\n```go\nfunc a() {}\n```\n\n"+
		"<!-- hidden\n```go\nnot a block\n```\n-->\n\n## Try it\n\n  ```console title\n  $ echo hi\n  hi\n  ```\n"+
		"Inline ```go``` is no fence.\n\n## Break it\n\n~~~diff\n```\n~~~\n")
	require.NoError(t, err)
	require.Len(t, r.fences, 3)
	assert.Equal(t, fence{lang: "go", section: "The code", open: 4, close: 6, body: []string{"func a() {}"}}, r.fences[0])
	assert.Equal(t, fence{lang: "console", section: "Try it", open: 16, close: 19, body: []string{"$ echo hi", "hi"}}, r.fences[1])
	assert.Equal(t, fence{lang: "diff", section: "Break it", open: 24, close: 26, body: []string{"```"}}, r.fences[2])
	assert.Len(t, r.blocks("go", ""), 1)
	assert.Len(t, r.blocks("console", "The code"), 0)
	assert.Equal(t, "README.md:17", r.line(16))
}

func TestParseReadmeUnclosedFence(t *testing.T) {
	_, err := parseReadme("README.md", "## The code\n\n```go\nfunc a() {}\n")
	assert.EqualError(t, err, "README.md:3: the code block opened here is never closed")
}

func TestStripComments(t *testing.T) {
	tests := []struct {
		line      string
		inComment bool
		want      string
		wantOpen  bool
	}{
		{"plain", false, "plain", false},
		{"a <!-- b --> c", false, "a  c", false},
		{"a <!-- b", false, "a ", true},
		{"b --> c", true, " c", false},
		{"still in", true, "", true},
		{"<!-- x --> y <!-- z", false, " y ", true},
	}
	for _, tt := range tests {
		got, open := stripComments(tt.line, tt.inComment)
		assert.Equal(t, tt.want, got, tt.line)
		assert.Equal(t, tt.wantOpen, open, tt.line)
	}
}
