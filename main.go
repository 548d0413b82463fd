// Command mqscope is a terminal console for message brokers. The parts are put together in package app.
package main

import (
	"context"
	"os"

	"github.com/mqscope/mqscope/app"
)

func main() { os.Exit(app.Main(context.Background(), os.Args[1:])) }
