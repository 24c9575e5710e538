// Command hello is the floor for any Go command-line program: the benchmark
// script builds it the way it builds pizauth and times both.
package main

import "os"

func main() {
	os.Stdout.WriteString("hello, world\n")
}
