package main

import "testing"

// flagNames are the flags the command line has.
var flagNames = []string{"name", "loud"}

func TestFlags(t *testing.T) {
	fs := newFlagSet(&options{})
	for _, name := range flagNames {
		if fs.Lookup(name) == nil {
			t.Errorf("no -%s", name)
		}
	}
}

func TestDefaults(t *testing.T) {
	o := parse(t)
	if o.name != "world" || o.loud {
		t.Errorf("name: %q, loud: %v", o.name, o.loud)
	}
}

func TestParse(t *testing.T) {
	if o := parse(t, "-name", "x"); o.name != "x" {
		t.Errorf("name: %q", o.name)
	}
}

// parse parses args as the command line.
func parse(t *testing.T, args ...string) options {
	t.Helper()
	var o options
	if err := newFlagSet(&o).Parse(args); err != nil {
		t.Fatal(err)
	}
	return o
}
