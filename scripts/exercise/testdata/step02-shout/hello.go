package main

import "strings"

// hello greets name.
func hello(name string) string {
	// the name as given, without blanks around it
	return greeting + ", " + strings.TrimSpace(name)
}
