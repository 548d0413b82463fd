package kafka

import (
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kversion"
)

// The release table agrees with the request versions franz-go records for each Kafka release.
func TestGuessVersionOfEachRelease(t *testing.T) {
	for _, tc := range []struct {
		release *kversion.Versions
		want    string
	}{
		{kversion.V0_10_0(), "0.10+"}, {kversion.V0_10_1(), "0.10.1+"}, {kversion.V0_10_2(), "0.10.2+"},
		{kversion.V0_11_0(), "0.11+"}, {kversion.V1_0_0(), "1.0+"}, {kversion.V1_1_0(), "1.1+"},
		{kversion.V2_0_0(), "2.0+"}, {kversion.V2_1_0(), "2.1+"}, {kversion.V2_2_0(), "2.2+"},
		{kversion.V2_3_0(), "2.3+"}, {kversion.V2_4_0(), "2.4+"}, {kversion.V2_5_0(), "2.5+"},
		{kversion.V2_6_0(), "2.6+"}, {kversion.V2_7_0(), "2.7+"}, {kversion.V2_8_0(), "2.8+"},
		{kversion.V3_0_0(), "3.0+"}, {kversion.V3_1_0(), "3.1+"}, {kversion.V3_2_0(), "3.2+"},
		{kversion.V3_3_0(), "3.2+"}, {kversion.V3_4_0(), "3.2+"}, {kversion.V3_5_0(), "3.5+"},
		{kversion.V3_6_0(), "3.5+"}, {kversion.V3_7_0(), "3.7+"}, {kversion.V3_8_0(), "3.8+"},
		{kversion.V3_9_0(), "3.9+"}, {kversion.V4_0_0(), "4.0+"}, {kversion.V4_1_0(), "4.1+"},
		{kversion.V4_2_0(), "4.2+"}, {kversion.V4_3_0(), "4.2+"}, {kversion.V4_4_0(), "4.4+"},
	} {
		keys := make(map[int16]sarama.ApiVersionsResponseKey)
		tc.release.EachMaxKeyVersion(func(k, v int16) {
			keys[k] = sarama.ApiVersionsResponseKey{ApiKey: k, MaxVersion: v}
		})
		if got := guessVersion(keys); got != tc.want {
			t.Errorf("%s: guessVersion = %q, want %q", tc.release.VersionGuess(), got, tc.want)
		}
	}
	if got := guessVersion(nil); got != "unknown (older than 0.10)" {
		t.Errorf("no ApiVersions: %q", got)
	}
}
