package keys

import "testing"

// BenchmarkListView renders the list at 200×60 with 10,000 keys (budget 2 ms).
func BenchmarkListView(b *testing.B) {
	m := testModel(b, 200, 60, fakeKeys(10000))
	m.list.Move(5000, m.listHeight())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkSearchKeystroke is one incremental-search keystroke over 10,000 keys.
func BenchmarkSearchKeystroke(b *testing.B) {
	m := testModel(b, 200, 60, fakeKeys(10000))
	press(m, "/")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		press(m, "b")
		press(m, "backspace")
	}
}
