// Command exercise derives a workshop exercise from a step: a copy of the
// step in which the code the step adds is stubbed out, found by comparing
// the step's source with the step before it. scripts/exercise.sh and
// scripts/check-exercises.sh call it.
package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

const usage = `usage: exercise make STEP_DIR PREV_DIR|- OUT_DIR
       exercise tests STEP_DIR PREV_DIR|-
'make' writes the exercise of STEP_DIR into OUT_DIR (which must not exist)
and prints what to write; 'tests' prints each test of the step as "new",
"old" or "skeleton". PREV_DIR is the step before, or - for the first step.`

func main() {
	if err := cli(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "exercise: %v\n", err)
		os.Exit(1)
	}
}

func cli(args []string, out io.Writer) error {
	if len(args) < 3 {
		return fmt.Errorf("%s", strings.ReplaceAll(usage, "\n", " "))
	}
	cur, err := loadStep(args[1])
	if err != nil {
		return err
	}
	var prev *step
	if args[2] != "-" {
		if prev, err = loadStep(args[2]); err != nil {
			return err
		}
	}
	switch {
	case args[0] == "make" && len(args) == 4:
		p, err := makePlan(cur, prev)
		if err != nil {
			return err
		}
		if err := writeExercise(cur, p, args[3]); err != nil {
			return err
		}
		printPlan(out, cur, p)
		return nil
	case args[0] == "tests" && len(args) == 3:
		kinds, err := testKinds(cur, prev)
		if err != nil {
			return err
		}
		var lines []string
		for name, kind := range kinds {
			lines = append(lines, kind+" "+name)
		}
		sort.Strings(lines)
		for _, l := range lines {
			fmt.Fprintln(out, l)
		}
		return nil
	}
	return fmt.Errorf("%s", strings.ReplaceAll(usage, "\n", " "))
}

func printPlan(out io.Writer, cur *step, p *plan) {
	fmt.Fprintln(out, "Write, in order (each place says TODO("+fmt.Sprintf("step%02d", cur.number)+") in the code):")
	for i, it := range p.todo {
		fmt.Fprintf(out, "  %d. %s\n", i+1, it)
	}
	if len(p.given) > 0 {
		fmt.Fprintf(out, "Given as in %s, so that its tests compile and run:\n", cur.name)
		for _, g := range p.given {
			fmt.Fprintf(out, "  - %s\n", g)
		}
	}
}

// writeExercise copies the step folder to dir with the plan's files in
// place of the step's. It leaves out build outputs and hidden files.
func writeExercise(cur *step, p *plan, dir string) error {
	if _, err := os.Lstat(dir); err == nil {
		return fmt.Errorf("%s already exists", dir)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // gone after the rename below
	err = filepath.WalkDir(cur.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(cur.dir, path)
		if err != nil || rel == "." {
			return err
		}
		if skipped(rel, d, cur.name) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		to := filepath.Join(tmp, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.Mkdir(to, info.Mode().Perm()|0o700)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		case !d.Type().IsRegular():
			return nil
		}
		data, ok := p.files[rel]
		if !ok {
			if data, err = os.ReadFile(path); err != nil {
				return err
			}
		}
		return os.WriteFile(to, data, info.Mode().Perm())
	})
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	return os.Rename(tmp, dir)
}

// skipped leaves out hidden files and what a build leaves in a step
// folder: the binary (container, or the folder's name from a plain 'go
// build') and test binaries.
func skipped(rel string, d fs.DirEntry, stepName string) bool {
	base := filepath.Base(rel)
	return strings.HasPrefix(base, ".") || strings.HasSuffix(base, ".test") ||
		((rel == "container" || rel == stepName) && !d.IsDir())
}
