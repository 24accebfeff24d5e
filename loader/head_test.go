package loader

import "testing"

func TestHead(t *testing.T) {
	d := &Dataset{N: 3, Channels: 1, Height: 1, Width: 2, Classes: 2, Images: []uint8{1, 2, 3, 4, 5, 6}, Labels: []uint8{0, 1, 0}}
	cases := []struct{ n, wantN, wantImages int }{{2, 2, 4}, {0, 3, 6}, {-1, 3, 6}, {3, 3, 6}, {9, 3, 6}}
	for _, c := range cases {
		h := d.Head(c.n)
		if h.N != c.wantN || len(h.Images) != c.wantImages || len(h.Labels) != c.wantN {
			t.Errorf("Head(%d): N=%d, %d image bytes, %d labels", c.n, h.N, len(h.Images), len(h.Labels))
		}
	}
	if d.N != 3 {
		t.Error("Head changed its receiver")
	}
	s := (&Split{Train: d, Test: d}).Head(1, 0)
	if s.Train.N != 1 || s.Test.N != 3 {
		t.Errorf("Split.Head(1, 0): %d, %d", s.Train.N, s.Test.N)
	}
}
