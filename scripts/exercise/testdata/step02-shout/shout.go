package main

import (
	"fmt"
	"strings"
	"unicode"
)

// registered says whether init ran.
var registered bool

// volume is how loud a text is.
type volume int

type report struct {
	words []string
}

func init() {
	registered = true
}

// shout turns text into capitals.
func shout(text string) string {
	return strings.ToUpper(text) // all of it
}

// loudness counts the capitals of text.
func loudness(text string) (n int, err error) {
	for _, r := range text {
		if unicode.IsUpper(r) {
			n++
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("%q is not loud", text)
	}
	return n, nil
}

// measure reports how loud text is.
func measure(text string) (volume, report, *report, error) {
	n, err := loudness(text)
	r := report{words: strings.Fields(text)}
	return volume(n), r, &r, err
}

// words is a flag that may be given more than once.
type words []string

func (w *words) String() string     { return strings.Join(*w, " ") }
func (w *words) Set(v string) error { *w = append(*w, v); return nil }

// add records a word.
func (r *report) add(word string) {
	r.words = append(r.words, word)
}
