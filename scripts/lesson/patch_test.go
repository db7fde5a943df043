package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	return dir
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(data)
}

func TestApplyPatch(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		// Two lines more at the top than the diff knows: an offset.
		"run.go":  "// added\n// later\npackage main\n\nconst flags = 1\n\nfunc a() {}\n\nfunc b() {}\n",
		"gone.go": "package main\n",
		"eol.txt": "last",
	})
	diff := `diff --git a/run.go b/run.go
index 111..222 100644
--- a/run.go	2024-01-01 00:00:00
+++ b/run.go	2024-01-01 00:00:00
@@ -1,3 +1,3 @@
 package main

-const flags = 1
+const flags = 0
@@ -6,2 +6,3 @@
 
 func b() {}
+// broken
--- /dev/null
+++ b/sub/new.go
@@ -0,0 +1,2 @@
+package main
+// new
--- a/gone.go
+++ /dev/null
@@ -1 +0,0 @@
-package main
--- a/eol.txt
+++ b/eol.txt
@@ -1 +1 @@
-last
\ No newline at end of file
+last
`
	require.NoError(t, applyPatch(dir, diff))
	assert.Equal(t, "// added\n// later\npackage main\n\nconst flags = 0\n\nfunc a() {}\n\nfunc b() {}\n// broken\n", readFile(t, dir+"/run.go"))
	assert.Equal(t, "package main\n// new\n", readFile(t, dir+"/sub/new.go"))
	assert.NoFileExists(t, dir+"/gone.go")
	assert.Equal(t, "last\n", readFile(t, dir+"/eol.txt"))
}

func TestApplyPatchFails(t *testing.T) {
	tests := []struct {
		name, diff, err string
	}{
		{"context differs", "--- a/run.go\n+++ b/run.go\n@@ -1,2 +1,2 @@\n package other\n-x\n+y\n",
			`run.go: hunk "@@ -1,2 +1,2 @@" does not apply: its lines are not in the file (in order)`},
		{"wrong counts", "--- a/run.go\n+++ b/run.go\n@@ -1,3 +1,3 @@\n package main\n-const flags = 1\n+const flags = 0\n",
			`hunk "@@ -1,3 +1,3 @@" does not hold 3 old and 3 new lines, as its header says`},
		{"no file", "--- a/nosuch.go\n+++ b/nosuch.go\n@@ -1 +1 @@\n-a\n+b\n", "nosuch.go: open "},
		{"out of the step", "--- a/../x.go\n+++ b/../x.go\n@@ -1 +1 @@\n-a\n+b\n", `"a/../x.go" leads out of the step's folder`},
		{"no -p1 folder", "--- run.go\n+++ run.go\n@@ -1 +1 @@\n-a\n+b\n", `"run.go" has no leading folder to strip`},
		{"not a diff", "just words\n", "not a unified diff"},
		{"creates what exists", "--- /dev/null\n+++ b/run.go\n@@ -0,0 +1 @@\n+x\n", "run.go: the diff creates it, but it exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"run.go": "package main\n\nconst flags = 1\n"})
			err := applyPatch(dir, tt.diff)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
			assert.Equal(t, "package main\n\nconst flags = 1\n", readFile(t, dir+"/run.go"), "left as it was")
		})
	}
}

func TestBreakItParse(t *testing.T) {
	r, err := readReadme("testdata/breakit/README.md")
	require.NoError(t, err)
	diffs, err := breakIt(r)
	require.NoError(t, err)
	require.Len(t, diffs, 1)
	assert.Equal(t, []string{"TestOne", "TestTwo"}, diffs[0].tests)

	dir := t.TempDir()
	require.NoError(t, copyStep("testdata/breakit", dir+"/step"))
	require.NoError(t, applyPatch(dir+"/step", diffs[0].text))
	assert.Equal(t, "package main\n\nconst flags = 0\n", readFile(t, dir+"/step/run.go"))
	assert.Equal(t, "package main\n\nconst flags = 1\n", readFile(t, "testdata/breakit/run.go"), "the step is untouched")
}

func TestBreakItNamesNoTest(t *testing.T) {
	r, err := parseReadme("README.md", "## Break it\n\n```diff\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n```\n\nNo test, just `code`.\n\n`TestTooLate` is another paragraph.\n")
	require.NoError(t, err)
	_, err = breakIt(r)
	assert.EqualError(t, err, "README.md:3: Break it diff 1: the paragraph after it names no test (as `TestName`)")
}
