package main

import (
	"flag"
	"io"
	"os"
)

// greeting starts every greeting.
const greeting = "HELLO"

type options struct {
	name  string
	loud  bool
	extra words
}

// newFlagSet declares the command line.
func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("hello", flag.ContinueOnError)
	fs.StringVar(&o.name, "name", "world", "who to greet")
	fs.BoolVar(&o.loud, "loud", false, "shout it")
	fs.Var(&o.extra, "extra", "a word to add (repeatable)")
	return fs
}

func main() {
	var o options
	if err := newFlagSet(&o).Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	text := hello(o.name)
	if o.loud {
		text = shout(text)
	}
	var r report
	r.add(text)
	io.WriteString(os.Stdout, text+"\n")
}
