package main

import "testing"

func TestHello(t *testing.T) {
	if got := hello(" you "); got != greeting+", you" {
		t.Errorf("hello: %q", got)
	}
}
