package graph

import (
	"fmt"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
)

// TestBLASNamesWhatGorgoniaUses: BLAS() must say what the build installed,
// since the zoo records it next to every timing.
func TestBLASNamesWhatGorgoniaUses(t *testing.T) {
	impl := fmt.Sprintf("%T", G.WhichBLAS())
	if strings.HasPrefix(BLAS(), "OpenBLAS") != strings.Contains(impl, "netlib") {
		t.Errorf("BLAS() = %q, but Gorgonia uses %s", BLAS(), impl)
	}
}
