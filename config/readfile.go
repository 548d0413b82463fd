package config

import (
	"fmt"
	"io"
	"os"
)

// MaxFileSize is the most a file mqscope reads as settings may hold: the contexts file, a user theme, a
// password-file. Real ones are a few kilobytes; anything near this is the wrong file, and reading and
// parsing it whole would cost seconds and gigabytes before saying so.
const MaxFileSize = 1 << 20

// ReadFile reads a settings file of at most MaxFileSize bytes. Errors keep the *os.PathError of os.Open,
// so that fs.ErrNotExist still matches; a larger file is ErrTooLarge, for the caller to name.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, ErrTooLarge
	}
	return data, nil
}

// ErrTooLarge is a settings file over MaxFileSize.
var ErrTooLarge = fmt.Errorf("larger than %s, the most mqscope reads in a settings file: is it the right file?", Size(MaxFileSize))

// Size is a byte count for people: 512 B, 64 KiB, 1 MiB, 1.5 GiB.
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %ciB", int64(v), "KMGTPE"[exp])
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[exp])
}
