package main

// counts keeps how often each text was shouted: the step's bookkeeping,
// in a file of its own beside shout.go.
var counts = map[string]int{}

// count records one more shout of text and returns how many so far.
func count(text string) int {
	counts[text]++
	return counts[text]
}
