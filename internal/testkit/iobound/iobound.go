// Package iobound is for test packages whose tests mostly wait rather than compute: on brokers (RabbitMQ's
// statistics come every 5 s), on child processes, on clocks. go test runs GOMAXPROCS parallel tests at
// once, which on a 2-core machine leaves such a package waiting most of the time.
package iobound

import (
	"flag"
	"runtime"
	"strconv"
	"testing"
)

// PerCore is how many parallel tests run at once per core.
const PerCore = 4

// Run runs the package's tests with PerCore × GOMAXPROCS parallel tests at once, unless the command line
// says how many (-parallel), and returns the exit code. Call it from TestMain.
func Run(m *testing.M) int {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		if err := flag.Set("test.parallel", strconv.Itoa(PerCore*runtime.GOMAXPROCS(0))); err != nil {
			panic(err)
		}
	}
	return m.Run()
}
