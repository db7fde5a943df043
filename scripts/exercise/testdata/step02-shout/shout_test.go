package main

import "testing"

func TestShout(t *testing.T) {
	if shout("hi") != "HI" {
		t.Error("not loud")
	}
}

func TestMeasure(t *testing.T) {
	if v, _, _, err := measure("Hi"); err != nil || v != 1 {
		t.Error(v, err)
	}
}

// TestQuietStaysQuiet: shouting leaves a quiet greeting alone, which holds
// without it too.
//
//exercise:guard
func TestQuietStaysQuiet(t *testing.T) {
	if hello("you") != greeting+", you" {
		t.Error("changed")
	}
}
