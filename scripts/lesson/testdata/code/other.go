package main

// other is a second file, so that a block must be found in one file.
func other() int {
	return 42
}
