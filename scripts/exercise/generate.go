package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// A step is the Go source of one step folder: its non-test files (the
// ones the exercise changes) and its test files (which it keeps).
type step struct {
	dir    string
	name   string // step03-mount
	number int    // 3
	fset   *token.FileSet
	files  map[string]*goFile // non-test .go files at the folder's root
	tests  map[string]*goFile // *_test.go files at the folder's root
}

type goFile struct {
	name string
	src  []byte
	ast  *ast.File
}

var stepName = regexp.MustCompile(`^step([0-9]+)-([a-z0-9_]+)$`)

// loadStep parses the .go files at the root of dir, a folder named like
// step03-mount.
func loadStep(dir string) (*step, error) {
	name := filepath.Base(filepath.Clean(dir))
	m := stepName.FindStringSubmatch(name)
	if m == nil {
		return nil, fmt.Errorf("%s: not a step folder (want a name like step03-mount)", dir)
	}
	number, _ := strconv.Atoi(m[1])
	s := &step{dir: dir, name: name, number: number, fset: token.NewFileSet(),
		files: map[string]*goFile{}, tests: map[string]*goFile{}}
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s: no .go files", dir)
	}
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(s.fset, path, src, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		gf := &goFile{name: filepath.Base(path), src: src, ast: f}
		if strings.HasSuffix(gf.name, "_test.go") {
			s.tests[gf.name] = gf
		} else {
			s.files[gf.name] = gf
		}
	}
	return s, nil
}

// concern is the step's topic, the part of its name after the number:
// "uts" for step01-uts. Its file (uts.go) holds the step's feature.
func (s *step) concern() string {
	return stepName.FindStringSubmatch(s.name)[2]
}

// skeleton stands for the step before the first one: the first step
// without its concern's files. The first step's exercise is then that
// concern (uts.go), and the rest of it (the command line, the re-exec)
// is given, as there is nothing before it to have taught it.
func (s *step) skeleton() (*step, error) {
	own := s.concern() + ".go"
	if s.files[own] == nil {
		return nil, fmt.Errorf("%s has no step before it and no %s: nothing to make an exercise of", s.name, own)
	}
	sk := &step{dir: s.dir, name: s.name, number: s.number - 1, fset: s.fset,
		files: map[string]*goFile{}, tests: map[string]*goFile{}}
	for name, f := range s.files {
		if name != own {
			sk.files[name] = f
		}
	}
	for name, f := range s.tests {
		if name != s.concern()+"_test.go" {
			sk.tests[name] = f
		}
	}
	return sk, nil
}

// A funcDecl is a top-level function or method, found by its key:
// "name", or "recv.name" for a method.
type funcDecl struct {
	key  string
	file *goFile
	decl *ast.FuncDecl
}

func funcKey(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return d.Name.Name
	}
	return recvType(d.Recv.List[0].Type) + "." + d.Name.Name
}

func recvType(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recvType(t.X)
	case *ast.IndexExpr:
		return recvType(t.X)
	case *ast.IndexListExpr:
		return recvType(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}

// funcs lists the step's functions by key. A key can occur in more than
// one file when build constraints pick between them.
func (s *step) funcs() map[string][]funcDecl {
	all := map[string][]funcDecl{}
	for _, f := range sortedFiles(s.files) {
		for _, d := range f.ast.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				k := funcKey(fd)
				all[k] = append(all[k], funcDecl{k, f, fd})
			}
		}
	}
	return all
}

func sortedFiles(m map[string]*goFile) []*goFile {
	var fs []*goFile
	for _, f := range m {
		fs = append(fs, f)
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].name < fs[j].name })
	return fs
}

// match finds a function's counterpart in the step before: in the same
// file if it is there, else wherever it is if only once.
func match(prev map[string][]funcDecl, fn funcDecl) (funcDecl, bool) {
	cands := prev[fn.key]
	for _, c := range cands {
		if c.file.name == fn.file.name {
			return c, true
		}
	}
	if len(cands) == 1 {
		return cands[0], true
	}
	return funcDecl{}, false
}

// An item is one thing for the attendee to write.
type item struct {
	file string
	what string // the function, method or declaration
	kind string // "write", "hook" or "declaration"
	note string
}

func (it item) String() string {
	switch it.kind {
	case "hook":
		return fmt.Sprintf("%s: %s (%s)", it.file, it.what, it.note)
	case "declaration":
		return fmt.Sprintf("%s: %s (a declaration the step changes)", it.file, it.what)
	}
	return fmt.Sprintf("%s: %s", it.file, it.what)
}

// A plan is what the exercise of a step holds: the new source of each
// changed file, and the list of what to write, in order.
type plan struct {
	files map[string][]byte
	todo  []item
	given []string // changed declarations kept as in the step, so that its tests compile
}

// makePlan derives the exercise of step cur from the step before it
// (prev), or from cur's skeleton when prev is nil.
func makePlan(cur, prev *step) (*plan, error) {
	if prev == nil {
		var err error
		if prev, err = cur.skeleton(); err != nil {
			return nil, err
		}
	}
	tag := fmt.Sprintf("TODO(step%02d)", cur.number)
	curFuncs, prevFuncs := cur.funcs(), prev.funcs()

	// The functions this step adds: what hook-in code calls.
	newFuncs := map[string]bool{}   // plain functions, by name
	newMethods := map[string]bool{} // methods, as recv.name
	for key, fns := range curFuncs {
		if _, ok := match(prevFuncs, fns[0]); ok {
			continue
		}
		if fns[0].decl.Recv != nil {
			newMethods[key] = true
		} else {
			newFuncs[key] = true
		}
	}
	types := typeDecls(cur)
	flagValues := flagValueMethods(curFuncs)

	p := &plan{files: map[string][]byte{}}
	var decls, writes, hooks []item
	// New files first, the one named after the step's concern (the
	// lesson's: net.go for step04-net) ahead of its bookkeeping files,
	// then the files both steps have.
	var order []*goFile
	for _, f := range sortedFiles(cur.files) {
		if prev.files[f.name] == nil && f.name == cur.concern()+".go" {
			order = append(order, f)
		}
	}
	for _, f := range sortedFiles(cur.files) {
		if prev.files[f.name] == nil && f.name != cur.concern()+".go" {
			order = append(order, f)
		}
	}
	for _, f := range sortedFiles(cur.files) {
		if prev.files[f.name] != nil {
			order = append(order, f)
		}
	}
	for _, f := range order {
		var eds edits
		needErrors := false
		var extraImports []*goFile // files of the step before whose bodies come back
		for _, d := range f.ast.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Body == nil {
					continue
				}
				fn := funcDecl{funcKey(d), f, d}
				if definesCommandLine(d) || flagValues[fn.key] {
					if old, ok := match(prevFuncs, fn); !ok || nodeText(cur.fset, d) != nodeText(prev.fset, old.decl) {
						why := "it declares the command line's flags, which the tests pass"
						if flagValues[fn.key] {
							why = "a flag's value, part of the command line"
						}
						p.given = append(p.given, fmt.Sprintf("%s in %s: %s", fn.key, f.name, why))
					}
					continue
				}
				old, ok := match(prevFuncs, fn)
				if !ok {
					body, usesErrors := stub(d, fmt.Sprintf("%s: write %s in %s", tag, fn.key, f.name), types)
					needErrors = needErrors || usesErrors
					eds.add(f, d.Body.Lbrace, d.Body.Rbrace+1, body)
					writes = append(writes, item{file: f.name, what: fn.key, kind: "write"})
					continue
				}
				if nodeText(cur.fset, d.Body) == nodeText(prev.fset, old.decl.Body) {
					continue
				}
				calls := newCalls(d.Body, newFuncs, newMethods)
				note := fmt.Sprintf("step %d changes this function: see the lesson", cur.number)
				if len(calls) > 0 {
					note = fmt.Sprintf("hook step %d's feature in here: call %s (see the lesson)", cur.number, strings.Join(calls, ", "))
				}
				oldBody := text(old.file, old.decl.Body.Lbrace, old.decl.Body.Rbrace+1)
				eds.add(f, d.Body.Lbrace, d.Body.Rbrace+1, "{\n// "+tag+": "+note+"\n"+strings.TrimLeft(oldBody[1:], "\n"))
				extraImports = append(extraImports, old.file)
				hooks = append(hooks, item{file: f.name, what: fn.key, kind: "hook", note: "hook-in: call " + strings.Join(calls, ", ")})
				if len(calls) == 0 {
					hooks[len(hooks)-1].note = "changed by the step"
				}
			case *ast.GenDecl:
				switch d.Tok {
				case token.CONST, token.VAR:
					for _, spec := range d.Specs {
						vs := spec.(*ast.ValueSpec)
						old, oldFile := findValueSpec(prev, d.Tok, vs)
						if old == nil || nodeText(cur.fset, vs) == nodeText(prev.fset, old) {
							continue
						}
						// Same names, other values: the step before's values
						// compile as well and leave the feature out.
						at := d.Pos()
						if d.Lparen.IsValid() {
							at = vs.Pos()
						}
						eds.add(f, lineStart(f, at), lineStart(f, at),
							fmt.Sprintf("// %s: step %d changes this declaration: see the lesson\n", tag, cur.number))
						eds.add(f, vs.Pos(), vs.End(), text(oldFile, old.Pos(), old.End()))
						extraImports = append(extraImports, oldFile)
						decls = append(decls, item{file: f.name, what: strings.Join(names(vs), ", "), kind: "declaration"})
					}
				case token.TYPE:
					for _, spec := range d.Specs {
						ts := spec.(*ast.TypeSpec)
						if old := findTypeSpec(prev, ts.Name.Name); old != nil && nodeText(cur.fset, ts) != nodeText(prev.fset, old) {
							p.given = append(p.given, fmt.Sprintf("type %s in %s: the step's tests use its new fields", ts.Name.Name, f.name))
						}
					}
				}
			}
		}
		if len(eds) == 0 {
			continue
		}
		src, err := rewrite(cur.fset, f, eds, needErrors, extraImports, prev.fset)
		if err != nil {
			return nil, err
		}
		p.files[f.name] = src
	}
	// The declarations first (a namespace's clone flag, say), then the
	// new code, then the places that call it.
	p.todo = append(append(decls, writes...), hooks...)
	if len(p.todo) == 0 {
		return nil, fmt.Errorf("%s: no function or declaration differs from %s: nothing to write", cur.name, prev.name)
	}
	return p, nil
}

// definesCommandLine says whether fn returns a *flag.FlagSet. Such a
// function declares the flags, which the step's tests pass on every run
// (--rootfs for one): without them even the earlier tests could not run,
// so it keeps the step's version.
func definesCommandLine(fn *ast.FuncDecl) bool {
	if fn.Type.Results == nil {
		return false
	}
	for _, r := range fn.Type.Results.List {
		if star, ok := r.Type.(*ast.StarExpr); ok {
			if sel, ok := star.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "FlagSet" {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "flag" {
					return true
				}
			}
		}
	}
	return false
}

// flagValueMethods are the methods of the types that implement
// flag.Value (String() string and Set(string) error): the flag package
// calls them as soon as the flag is declared, so they go with the
// command line and keep the step's version.
func flagValueMethods(funcs map[string][]funcDecl) map[string]bool {
	is := func(key, params, results string) bool {
		fns := funcs[key]
		if len(fns) == 0 || fns[0].decl.Recv == nil {
			return false
		}
		ft := fns[0].decl.Type
		return fieldTypes(ft.Params) == params && fieldTypes(ft.Results) == results
	}
	out := map[string]bool{}
	for key, fns := range funcs {
		if fns[0].decl.Recv == nil {
			continue
		}
		typ := strings.TrimSuffix(key, "."+fns[0].decl.Name.Name)
		if is(typ+".String", "", "string") && is(typ+".Set", "string", "error") {
			for _, m := range []string{"String", "Set", "IsBoolFlag", "Get"} {
				if funcs[typ+"."+m] != nil {
					out[typ+"."+m] = true
				}
			}
		}
	}
	return out
}

// fieldTypes writes a parameter or result list's types: "string, error".
func fieldTypes(fl *ast.FieldList) string {
	if fl == nil {
		return ""
	}
	var out []string
	for _, f := range fl.List {
		n := len(f.Names)
		if n == 0 {
			n = 1
		}
		for i := 0; i < n; i++ {
			out = append(out, exprText(f.Type))
		}
	}
	return strings.Join(out, ", ")
}

// newCalls lists, in order of appearance, the new functions and methods
// that body refers to: the hook-in's hint.
func newCalls(body *ast.BlockStmt, newFuncs, newMethods map[string]bool) []string {
	var out []string
	seen := map[string]bool{}
	addOnce := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			var found []string
			for m := range newMethods {
				if strings.HasSuffix(m, "."+n.Sel.Name) {
					found = append(found, m)
				}
			}
			if len(found) == 1 {
				addOnce(found[0])
			} else if len(found) > 1 {
				addOnce(n.Sel.Name)
			}
		case *ast.Ident:
			if n.Obj == nil && newFuncs[n.Name] {
				addOnce(n.Name)
			}
		}
		return true
	})
	return out
}

func findValueSpec(s *step, tok token.Token, want *ast.ValueSpec) (*ast.ValueSpec, *goFile) {
	key := strings.Join(names(want), ",")
	for _, f := range sortedFiles(s.files) {
		for _, d := range f.ast.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == tok {
				for _, spec := range gd.Specs {
					if vs := spec.(*ast.ValueSpec); strings.Join(names(vs), ",") == key {
						return vs, f
					}
				}
			}
		}
	}
	return nil, nil
}

func findTypeSpec(s *step, name string) *ast.TypeSpec {
	for _, f := range sortedFiles(s.files) {
		for _, d := range f.ast.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.TYPE {
				for _, spec := range gd.Specs {
					if ts := spec.(*ast.TypeSpec); ts.Name.Name == name {
						return ts
					}
				}
			}
		}
	}
	return nil
}

func names(vs *ast.ValueSpec) []string {
	var out []string
	for _, n := range vs.Names {
		out = append(out, n.Name)
	}
	return out
}

// typeDecls maps the step's type names to their definitions, to choose
// the zero values of a stub's results.
func typeDecls(s *step) map[string]ast.Expr {
	out := map[string]ast.Expr{}
	for _, f := range s.files {
		for _, d := range f.ast.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.TYPE {
				for _, spec := range gd.Specs {
					ts := spec.(*ast.TypeSpec)
					out[ts.Name.Name] = ts.Type
				}
			}
		}
	}
	return out
}

// stub is the body that replaces a new function's: it returns an error
// that says what to write when the function returns one, and panics with
// it otherwise. An init function gets an empty body, as a panic there
// would stop every test. usesErrors says whether it needs package errors.
func stub(fn *ast.FuncDecl, msg string, types map[string]ast.Expr) (body string, usesErrors bool) {
	quoted := strconv.Quote(msg)
	if fn.Recv == nil && fn.Name.Name == "init" {
		return "{\n// " + msg + "\n}", false
	}
	var results []string
	hasError := false
	if fn.Type.Results != nil {
		for _, field := range fn.Type.Results.List {
			n := len(field.Names)
			if n == 0 {
				n = 1
			}
			for i := 0; i < n; i++ {
				switch {
				case isIdent(field.Type, "error"):
					results = append(results, "errors.New("+quoted+")")
					hasError = true
				case len(field.Names) > 0 && field.Names[i].Name != "_":
					results = append(results, field.Names[i].Name)
				default:
					results = append(results, zeroValue(field.Type, types, 0))
				}
			}
		}
	}
	if !hasError {
		return "{\npanic(" + quoted + ")\n}", false
	}
	return "{\nreturn " + strings.Join(results, ", ") + "\n}", true
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// zeroValue writes the zero value of type t, as a literal where the type
// says which, else as *new(T), which fits any type.
func zeroValue(t ast.Expr, types map[string]ast.Expr, depth int) string {
	typ := exprText(t)
	switch t := t.(type) {
	case *ast.StarExpr, *ast.MapType, *ast.ChanType, *ast.FuncType, *ast.InterfaceType:
		return "nil"
	case *ast.ArrayType:
		if t.Len == nil {
			return "nil"
		}
		return typ + "{}"
	case *ast.StructType:
		return typ + "{}"
	case *ast.Ident:
		switch t.Name {
		case "bool":
			return "false"
		case "string":
			return `""`
		case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
			"uintptr", "float32", "float64", "complex64", "complex128", "byte", "rune":
			return "0"
		case "error", "any":
			return "nil"
		}
		if def, ok := types[t.Name]; ok && depth < 10 {
			switch def.(type) {
			case *ast.StructType, *ast.ArrayType:
				if a, ok := def.(*ast.ArrayType); ok && a.Len == nil {
					return "nil"
				}
				return t.Name + "{}"
			}
			// A named basic or reference type: its underlying zero
			// value is an untyped constant or nil, which converts.
			return zeroValue(def, types, depth+1)
		}
	}
	return "*new(" + typ + ")"
}

func exprText(e ast.Expr) string {
	var b bytes.Buffer
	_ = printer.Fprint(&b, token.NewFileSet(), e)
	return b.String()
}

// nodeText prints a node without its comments: two versions that differ
// only in comments or layout compare equal.
func nodeText(fset *token.FileSet, n ast.Node) string {
	var b bytes.Buffer
	_ = (&printer.Config{Mode: printer.RawFormat}).Fprint(&b, fset, n)
	return b.String()
}

func text(f *goFile, from, to token.Pos) string {
	return string(f.src[offset(f, from):offset(f, to)])
}

func lineStart(f *goFile, at token.Pos) token.Pos {
	off := offset(f, at)
	for off > 0 && f.src[off-1] != '\n' {
		off--
	}
	return f.ast.FileStart + token.Pos(off)
}

// edits replace byte ranges of one file's source.
type edit struct {
	from, to int
	text     string
}

type edits []edit

func (e *edits) add(f *goFile, from, to token.Pos, text string) {
	*e = append(*e, edit{offset(f, from), offset(f, to), text})
}

// offset turns a position of f into a byte offset in f.src.
func offset(f *goFile, p token.Pos) int {
	return int(p) - int(f.ast.FileStart)
}

func (e edits) apply(src []byte) []byte {
	sorted := append(edits(nil), e...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].from > sorted[j].from })
	out := append([]byte(nil), src...)
	for _, ed := range sorted {
		out = append(out[:ed.from:ed.from], append([]byte(ed.text), out[ed.to:]...)...)
	}
	return out
}

// rewrite applies the edits, then fixes the imports: it drops those that
// no code uses any more and adds those that restored code of the step
// before uses (and errors for stubs), and formats the result.
func rewrite(fset *token.FileSet, f *goFile, eds edits, needErrors bool, oldFiles []*goFile, oldFset *token.FileSet) ([]byte, error) {
	src := eds.apply(f.src)
	nf, err := parser.ParseFile(token.NewFileSet(), f.name, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("%s: the exercise does not parse (a bug of this program): %v", f.name, err)
	}
	used := usedNames(nf)

	type imp struct{ name, path string }
	var want []imp
	have := map[string]bool{}
	unsure := packagesNamedOtherwise(f.ast)
	consider := func(spec *ast.ImportSpec, original bool) {
		path, _ := strconv.Unquote(spec.Path.Value)
		if have[path] {
			return
		}
		name := ""
		if spec.Name != nil {
			name = spec.Name.Name
		}
		keep := false
		switch {
		case name == "_" || name == ".":
			keep = original
		case name != "":
			keep = used[name]
		case original && unsure[path]:
			keep = true // its package name is not the one its path suggests: leave it be
		default:
			keep = used[assumedName(path)]
		}
		if keep {
			have[path] = true
			want = append(want, imp{name, path})
		}
	}
	for _, spec := range f.ast.Imports {
		consider(spec, true)
	}
	for _, of := range oldFiles {
		for _, spec := range of.ast.Imports {
			consider(spec, false)
		}
	}
	if needErrors && used["errors"] && !have["errors"] {
		have["errors"] = true
		want = append(want, imp{"", "errors"})
	}

	var before []string
	for _, spec := range nf.Imports {
		before = append(before, spec.Path.Value)
	}
	var after []string
	for _, w := range want {
		after = append(after, strconv.Quote(w.path))
	}
	if strings.Join(before, " ") != strings.Join(after, " ") {
		var std, other []string
		for _, w := range want {
			line := strconv.Quote(w.path)
			if w.name != "" {
				line = w.name + " " + line
			}
			if strings.Contains(strings.SplitN(w.path, "/", 2)[0], ".") {
				other = append(other, line)
			} else {
				std = append(std, line)
			}
		}
		sort.Strings(std)
		sort.Strings(other)
		var block string
		switch lines := append(std, other...); {
		case len(lines) == 0:
		case len(lines) == 1:
			block = "import " + lines[0]
		case len(std) > 0 && len(other) > 0:
			block = "import (\n" + strings.Join(std, "\n") + "\n\n" + strings.Join(other, "\n") + "\n)"
		default:
			block = "import (\n" + strings.Join(lines, "\n") + "\n)"
		}
		src = replaceImports(src, nf, block)
	}
	out, err := format.Source(src)
	if err != nil {
		return nil, fmt.Errorf("%s: the exercise does not format (a bug of this program): %v", f.name, err)
	}
	return out, nil
}

// replaceImports puts block where the import declarations of nf are
// (parsed from src at file offset 0), or after the package clause.
func replaceImports(src []byte, nf *ast.File, block string) []byte {
	var eds edits
	first := true
	for _, d := range nf.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		from := gd.Pos()
		if gd.Doc != nil {
			from = gd.Doc.Pos()
		}
		repl := ""
		if first {
			repl = block
			first = false
		}
		eds = append(eds, edit{int(from - nf.FileStart), int(gd.End() - nf.FileStart), repl})
	}
	if first {
		at := int(nf.Name.End() - nf.FileStart)
		eds = append(eds, edit{at, at, "\n\n" + block})
	}
	return eds.apply(src)
}

// usedNames are the names used as the X of X.Sel that no declaration in
// the file resolves: the imported packages in use (and package-level
// names of other files, which can only keep an import too many).
func usedNames(f *ast.File) map[string]bool {
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil {
				used[id.Name] = true
			}
		}
		return true
	})
	return used
}

// packagesNamedOtherwise lists the imports of a (compiling) file whose
// assumed name the file does not use: their real name differs.
func packagesNamedOtherwise(f *ast.File) map[string]bool {
	used := usedNames(f)
	out := map[string]bool{}
	for _, spec := range f.Imports {
		path, _ := strconv.Unquote(spec.Path.Value)
		if spec.Name == nil && !used[assumedName(path)] {
			out[path] = true
		}
	}
	return out
}

// assumedName guesses a package's name from its import path, as the Go
// convention has it: the last element, without a major version element,
// a "go-" prefix, or anything from the first character that cannot be in
// a name ("yaml.v3" is yaml, "go-seccomp-bpf" is seccomp).
func assumedName(path string) string {
	elems := strings.Split(path, "/")
	last := elems[len(elems)-1]
	if len(elems) > 1 && regexp.MustCompile(`^v[0-9]+$`).MatchString(last) {
		last = elems[len(elems)-2]
	}
	last = strings.TrimPrefix(last, "go-")
	if i := strings.IndexFunc(last, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}); i > 0 {
		last = last[:i]
	}
	return last
}

// testKinds sorts the step's test functions: "new" (the step adds it),
// "changed" (the step changes it, or a helper or table of the test files
// that it uses: it now checks the step's feature too), "old" (as in the
// step before) and, for the first step, "skeleton" (the tests of the given
// part). On the exercise, new and changed tests must fail, old ones pass.
// A new or changed test can hold without the feature: one that checks
// that the feature leaves the host alone (its mount table unchanged), or
// that finds what an earlier run left (the NAT rule). Its doc comment
// says so with a line "//exercise:guard", and it is a "guard": it may
// pass on the exercise.
func testKinds(cur, prev *step) (map[string]string, error) {
	first := prev == nil
	if first {
		var err error
		if prev, err = cur.skeleton(); err != nil {
			return nil, err
		}
	}
	before := map[string]bool{}
	for _, name := range testNames(prev) {
		before[name] = true
	}
	curDecls, prevDecls := testDecls(cur), testDecls(prev)
	guards := guardTests(cur)
	kinds := map[string]string{}
	for _, name := range testNames(cur) {
		switch {
		case !before[name]:
			kinds[name] = "new"
		case first:
			kinds[name] = "skeleton"
		default:
			kinds[name] = "old"
			for key := range testUses(cur, name) {
				if curDecls[key] != prevDecls[key] {
					kinds[name] = "changed"
				}
			}
		}
		if guards[name] && (kinds[name] == "new" || kinds[name] == "changed") {
			kinds[name] = "guard"
		}
	}
	return kinds, nil
}

// guardTests are the tests whose doc comment has a line //exercise:guard.
func guardTests(s *step) map[string]bool {
	out := map[string]bool{}
	for _, f := range s.tests {
		for _, d := range f.ast.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Doc != nil {
				for _, c := range fd.Doc.List {
					if c.Text == guardDirective || strings.HasPrefix(c.Text, guardDirective+" ") {
						out[fd.Name.Name] = true
					}
				}
			}
		}
	}
	return out
}

const guardDirective = "//exercise:guard"

// testNames are the top-level Test functions of the step's test files.
func testNames(s *step) []string {
	var out []string
	for _, f := range sortedFiles(s.tests) {
		for _, d := range f.ast.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || !strings.HasPrefix(fd.Name.Name, "Test") || fd.Name.Name == "TestMain" {
				continue
			}
			if ps := fd.Type.Params.List; len(ps) == 1 {
				if star, ok := ps[0].Type.(*ast.StarExpr); ok && exprText(star.X) == "testing.T" {
					out = append(out, fd.Name.Name)
				}
			}
		}
	}
	return out
}

// testDecls maps each top-level declaration of the step's test files to
// its text: functions by key, types, vars and consts by name.
func testDecls(s *step) map[string]string {
	out := map[string]string{}
	for _, f := range sortedFiles(s.tests) {
		for _, d := range f.ast.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				out[funcKey(d)] = nodeText(s.fset, d)
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						out[spec.Name.Name] = nodeText(s.fset, spec)
					case *ast.ValueSpec:
						for _, n := range spec.Names {
							out[n.Name] = nodeText(s.fset, spec)
						}
					}
				}
			}
		}
	}
	return out
}

// testUses lists the test-file declarations that test name uses, itself
// included, following calls: a test whose helpers or tables changed has
// changed.
func testUses(s *step, name string) map[string]bool {
	decls := map[string]ast.Node{}
	methods := map[string][]string{} // method name -> keys
	for _, f := range sortedFiles(s.tests) {
		for _, d := range f.ast.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				k := funcKey(d)
				decls[k] = d
				if d.Recv != nil {
					methods[d.Name.Name] = append(methods[d.Name.Name], k)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						decls[spec.Name.Name] = spec
					case *ast.ValueSpec:
						for _, n := range spec.Names {
							decls[n.Name] = spec
						}
					}
				}
			}
		}
	}
	uses := map[string]bool{}
	var visit func(key string)
	visit = func(key string) {
		n, ok := decls[key]
		if !ok || uses[key] {
			return
		}
		uses[key] = true
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				visit(n.Name)
			case *ast.SelectorExpr:
				for _, k := range methods[n.Sel.Name] {
					visit(k)
				}
			}
			return true
		})
	}
	visit(name)
	return uses
}
