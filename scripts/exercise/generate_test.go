package main

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// The fixtures: step01-hello prints a greeting; step02-shout adds shout.go
// (new functions of every kind of result, a method, an init), changes the
// greeting constant, main's body and its imports, a flag and a type, one
// test and the table of another.

func load(t *testing.T, name string) *step {
	t.Helper()
	s, err := loadStep(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func exercise(t *testing.T, cur, prev string) *plan {
	t.Helper()
	var before *step
	if prev != "" {
		before = load(t, prev)
	}
	p, err := makePlan(load(t, cur), before)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// funcBody is the source of a function's body in src.
func funcBody(t *testing.T, src []byte, name string) string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && funcKey(fd) == name {
			return string(src[fset.Position(fd.Body.Lbrace).Offset : fset.Position(fd.Body.Rbrace).Offset+1])
		}
	}
	t.Fatalf("no func %s in:\n%s", name, src)
	return ""
}

func imports(t *testing.T, src []byte) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, spec := range f.Imports {
		out = append(out, strings.Trim(spec.Path.Value, `"`))
	}
	return out
}

func TestNewFileStubbed(t *testing.T) {
	p := exercise(t, "step02-shout", "step01-hello")
	src := p.files["shout.go"]
	for name, want := range map[string]string{
		"shout":      "{\n\tpanic(\"TODO(step02): write shout in shout.go\")\n}",
		"loudness":   "{\n\treturn n, errors.New(\"TODO(step02): write loudness in shout.go\")\n}",
		"measure":    "{\n\treturn 0, report{}, nil, errors.New(\"TODO(step02): write measure in shout.go\")\n}",
		"report.add": "{\n\tpanic(\"TODO(step02): write report.add in shout.go\")\n}",
		"init":       "{\n\t// TODO(step02): write init in shout.go\n}",
	} {
		if got := funcBody(t, src, name); got != want {
			t.Errorf("%s: got body\n%s\nwant\n%s", name, got, want)
		}
	}
	for _, hint := range []string{"// shout turns text into capitals.", "type volume int", "var registered bool",
		"func measure(text string) (volume, report, *report, error)"} {
		if !bytes.Contains(src, []byte(hint)) {
			t.Errorf("shout.go lost %q:\n%s", hint, src)
		}
	}
	// A flag's value is called as soon as the flag is declared.
	if got := funcBody(t, src, "words.Set"); got != "{ *w = append(*w, v); return nil }" {
		t.Errorf("words.Set, a flag.Value's method, was changed: %s", got)
	}
	if bytes.Contains(src, []byte("all of it")) {
		t.Errorf("a comment of a stubbed body stayed:\n%s", src)
	}
	if got := imports(t, src); !reflect.DeepEqual(got, []string{"errors", "strings"}) {
		t.Errorf("imports: got %v, want errors and strings (fmt and unicode are unused now)", got)
	}
}

func TestChangedFunctionRestored(t *testing.T) {
	p := exercise(t, "step02-shout", "step01-hello")
	src := p.files["main.go"]
	want := "{\n\t// TODO(step02): hook step 2's feature in here: call shout, report.add (see the lesson)\n" +
		"\tvar o options\n\tif err := newFlagSet(&o).Parse(os.Args[1:]); err != nil {\n\t\tos.Exit(2)\n\t}\n" +
		"\tfmt.Println(hello(o.name))\n}"
	if got := funcBody(t, src, "main"); got != want {
		t.Errorf("main: got\n%s\nwant\n%s", got, want)
	}
	// fmt comes back with the old body; io goes with the new one.
	if got := imports(t, src); !reflect.DeepEqual(got, []string{"flag", "fmt", "os"}) {
		t.Errorf("imports: got %v, want flag fmt os", got)
	}
	for _, kept := range []string{"extra words", `fs.BoolVar(&o.loud, "loud", false, "shout it")`} {
		if !bytes.Contains(src, []byte(kept)) {
			t.Errorf("main.go lost the step's %q:\n%s", kept, src)
		}
	}
	if !bytes.Contains(src, []byte("// TODO(step02): step 2 changes this declaration: see the lesson\nconst greeting = \"hello\"\n")) {
		t.Errorf("the constant is not the step before's, with a TODO:\n%s", src)
	}
	if _, changed := p.files["hello.go"]; changed {
		t.Error("hello.go is the same in both steps but was changed")
	}
}

func TestPlanOrder(t *testing.T) {
	p := exercise(t, "step02-shout", "step01-hello")
	var got []string
	for _, it := range p.todo {
		got = append(got, it.String())
	}
	want := []string{
		"main.go: greeting (a declaration the step changes)",
		"shout.go: init",
		"shout.go: shout",
		"shout.go: loudness",
		"shout.go: measure",
		"shout.go: report.add",
		"counts.go: count", // after shout.go, the file named after the step
		"main.go: main (hook-in: call shout, report.add)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var given []string
	for _, g := range p.given {
		given = append(given, strings.SplitN(g, ":", 2)[0])
	}
	if want := []string{"words.String in shout.go", "words.Set in shout.go", "type options in main.go", "newFlagSet in main.go"}; !reflect.DeepEqual(given, want) {
		t.Errorf("given: %q, want %q", given, want)
	}
}

// TestOutputCompiles type-checks every exercise with the files it keeps:
// formatted, parseable, and no import missing or unused.
func TestOutputCompiles(t *testing.T) {
	for _, tt := range []struct{ cur, prev string }{{"step02-shout", "step01-hello"}, {"step01-hello", ""}} {
		cur := load(t, tt.cur)
		p := exercise(t, tt.cur, tt.prev)
		fset := token.NewFileSet()
		var files []*ast.File
		for _, f := range sortedFiles(cur.tests) {
			parsed, err := parser.ParseFile(fset, f.name, f.src, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, parsed)
		}
		for _, f := range sortedFiles(cur.files) {
			src, ok := p.files[f.name]
			if !ok {
				src = f.src
			}
			formatted, err := format.Source(src)
			if err != nil || !bytes.Equal(formatted, src) {
				t.Errorf("%s/%s is not gofmt'ed (%v)", tt.cur, f.name, err)
			}
			parsed, err := parser.ParseFile(fset, f.name, src, 0)
			if err != nil {
				t.Fatalf("%s/%s: %v", tt.cur, f.name, err)
			}
			files = append(files, parsed)
		}
		conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
		if _, err := conf.Check("main", fset, files, nil); err != nil {
			t.Errorf("%s: the exercise does not compile: %v", tt.cur, err)
		}
	}
}

func TestFirstStepStubsItsConcern(t *testing.T) {
	p := exercise(t, "step01-hello", "")
	if len(p.files) != 1 || p.files["hello.go"] == nil {
		t.Fatalf("changed files: want only hello.go, got %d", len(p.files))
	}
	want := "{\n\tpanic(\"TODO(step01): write hello in hello.go\")\n}"
	if got := funcBody(t, p.files["hello.go"], "hello"); got != want {
		t.Errorf("hello: got\n%s\nwant\n%s", got, want)
	}
	if got := imports(t, p.files["hello.go"]); len(got) != 0 {
		t.Errorf("imports: got %v, want none", got)
	}
}

func TestTestKinds(t *testing.T) {
	for _, tt := range []struct {
		cur, prev string
		want      map[string]string
	}{
		{"step02-shout", "step01-hello", map[string]string{
			"TestShout": "new", "TestMeasure": "new", // not in the step before
			"TestQuietStaysQuiet": "guard",   // new, but holds without the feature
			"TestDefaults":        "changed", // its body
			"TestFlags":           "changed", // the table it uses
			"TestHello":           "old", "TestParse": "old"}},
		{"step01-hello", "", map[string]string{
			"TestHello": "new", "TestFlags": "skeleton", "TestDefaults": "skeleton", "TestParse": "skeleton"}},
	} {
		var prev *step
		if tt.prev != "" {
			prev = load(t, tt.prev)
		}
		got, err := testKinds(load(t, tt.cur), prev)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.cur, got, tt.want)
		}
	}
}

func TestWriteExercise(t *testing.T) {
	// A step folder with what a build leaves in it.
	dir := filepath.Join(t.TempDir(), "step02-shout")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fixture, err := filepath.Glob(filepath.Join("testdata", "step02-shout", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range fixture {
		data, err := os.ReadFile(path)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, filepath.Base(path)), data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, junk := range []string{"container", "step02-shout", "x.test", ".swp"} {
		if err := os.WriteFile(filepath.Join(dir, junk), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "testdata", "helper"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "testdata", "helper", "main.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "workshop", "step02-shout")
	var stdout bytes.Buffer
	if err := cli([]string{"make", dir, filepath.Join("testdata", "step01-hello"), out}, &stdout); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "1. main.go: greeting") {
		t.Errorf("plan: %s", stdout.String())
	}
	var got []string
	err = filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(out, path)
			got = append(got, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	want := []string{"counts.go", "hello.go", "hello_test.go", "main.go", "main_test.go", "shout.go", "shout_test.go", "testdata/helper/main.go"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files: got %v, want %v", got, want)
	}
	for _, same := range []string{"shout_test.go", "hello.go", "testdata/helper/main.go"} {
		a, _ := os.ReadFile(filepath.Join(dir, same))
		b, _ := os.ReadFile(filepath.Join(out, same))
		if !bytes.Equal(a, b) {
			t.Errorf("%s was not copied as it is", same)
		}
	}
	if err := cli([]string{"make", dir, filepath.Join("testdata", "step01-hello"), out}, &stdout); err == nil ||
		!strings.Contains(err.Error(), "already exists") {
		t.Errorf("a second make over the first: %v, want 'already exists'", err)
	}
}

func TestAssumedName(t *testing.T) {
	for path, want := range map[string]string{
		"fmt": "fmt", "os/exec": "exec", "golang.org/x/sys/unix": "unix", "gopkg.in/yaml.v3": "yaml",
		"github.com/elastic/go-seccomp-bpf": "seccomp", "example.com/mod/v2": "mod",
		"github.com/vishvananda/netlink": "netlink",
	} {
		if got := assumedName(path); got != want {
			t.Errorf("assumedName(%q) = %q, want %q", path, got, want)
		}
	}
}
