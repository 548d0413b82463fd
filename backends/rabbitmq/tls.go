package rabbitmq

import "github.com/mqscope/mqscope/backends"

// TLS says how amqps:// connections and an https management API are encrypted; nil means the system's
// roots and the URL's host name.
type TLS = backends.TLS

// tlsProblem recognises a failed TLS handshake in err and says what went wrong and what to change.
func tlsProblem(err error) (reason, hint string, ok bool) {
	return backends.TLSProblem(err, "this port is plaintext: use amqp://, or the TLS port, usually 5671")
}
