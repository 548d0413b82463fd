package redact

import "testing"

func TestRegisteredSecretsAreRedacted(t *testing.T) {
	Register("abc") // too short to hide without garbling text
	Register("s3cret-registered")
	Register("s3cret-registered")
	got := Text("SASL refused s3cret-registered for abc at amqp://u:pw@h/")
	if got != "SASL refused xxxxx for abc at amqp://u:xxxxx@h/" {
		t.Fatalf("Text = %q", got)
	}
}

func TestTextFindsURLsAnywhere(t *testing.T) {
	for in, want := range map[string]string{
		`dial "amqp://ops:s3cret@h:5672/": refused`: `dial "amqp://ops:xxxxx@h:5672/": refused`,
		`cfg={URL:amqp://b:pw@h/}`:                  `cfg={URL:amqp://b:xxxxx@h/}`,
		`a amqps://u:p@ss@h, then http://x:y@z`:     `a amqps://u:xxxxx@h, then http://x:xxxxx@z`,
		`(amqp://u:p%40ss@[::1]:5672/vh)`:           `(amqp://u:xxxxx@[::1]:5672/vh)`,
		`amqp://guest@h/ and http://host:8080/x@y`:  `amqp://guest@h/ and http://host:8080/x@y`,
		`mailto a@b, http://h/?u=a:b@c`:             `mailto a@b, http://h/?u=a:b@c`,
		"amqp://u:pass\tword@h":                     "amqp://u:pass\tword@h",
		`https://u:p,w;d)@sr:8081/subjects`:         `https://u:xxxxx@sr:8081/subjects`,
		`no url here @ all`:                         `no url here @ all`,
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	if got := URL("amqp://ops:s3cret@h:5672/vh"); got != "amqp://ops:xxxxx@h:5672/vh" {
		t.Errorf("URL = %q", got)
	}
	msg := `dial "amqp://ops:s3cret@h:5672/": refused`
	if got := Text(msg); got != `dial "amqp://ops:xxxxx@h:5672/": refused` {
		t.Errorf("Text = %q", got)
	}
	if got := URL("127.0.0.1:9092"); got != "127.0.0.1:9092" {
		t.Errorf("URL(plain) = %q", got)
	}
}
