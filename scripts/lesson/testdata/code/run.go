package main

import "fmt"

// greet says hello.
func greet(name string) string {
	msg := "hello, " + name

	return msg
}

func main() {
	fmt.Println(greet("world"))
	fmt.Println("bye")
}
