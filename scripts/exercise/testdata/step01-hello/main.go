package main

import (
	"flag"
	"fmt"
	"os"
)

// greeting starts every greeting.
const greeting = "hello"

type options struct {
	name string
}

// newFlagSet declares the command line.
func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("hello", flag.ContinueOnError)
	fs.StringVar(&o.name, "name", "world", "who to greet")
	return fs
}

func main() {
	var o options
	if err := newFlagSet(&o).Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	fmt.Println(hello(o.name))
}
