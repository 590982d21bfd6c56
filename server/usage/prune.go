package usage

import (
	"time"
)

// Pruning runs in the background in small batches, each its own short
// transaction, pausing between them so request-path writes never queue
// behind it.
const (
	pruneBatch = 500
	prunePause = 5 * time.Millisecond
	pruneEvery = time.Hour
)

func (w *Writer) pruneLoop() {
	defer close(w.pruned)
	for {
		w.Prune()
		select {
		case <-w.dbCtx.Done():
			return
		case <-w.stop:
			return
		case <-time.After(pruneEvery):
		}
	}
}

// Prune drops what retention no longer keeps (see README "Data
// retention"): rows at each resolution past its age, error records after
// 90 days, tokens long expired. Every delete walks an index range.
func (w *Writer) Prune() (deleted int) {
	targets, err := w.st.PruneTargets(w.dbCtx, w.db, w.now(), w.tokenKeep)
	if err != nil {
		if w.dbCtx.Err() == nil {
			w.log.Warn("usage prune", "err", err)
		}
		return 0
	}
	for _, t := range targets {
		for {
			select {
			case <-w.stop:
				return deleted
			default:
			}
			n, err := w.st.PruneStep(w.dbCtx, w.db, t, pruneBatch)
			if err != nil {
				if w.dbCtx.Err() == nil {
					w.log.Warn("usage prune", "table", t.Table, "err", err)
				}
				return deleted
			}
			deleted += n
			if n < pruneBatch {
				break
			}
			time.Sleep(prunePause)
		}
	}
	if deleted > 0 {
		w.log.Info("usage pruned", "rows", deleted)
	}
	return deleted
}
