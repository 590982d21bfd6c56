package usage

import (
	"database/sql"
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
		if w.pruneIf == nil || w.pruneIf() {
			w.Prune()
		}
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
	targets, err := w.st.PruneTargets(w.dbCtx, w.db, w.now(), w.tokenKeep, pruneBatch)
	if err != nil {
		if w.dbCtx.Err() == nil {
			w.log.Warn("usage prune", "err", err)
		}
		return 0
	}
	// A few statement shapes serve thousands of targets: parse each once.
	stmts := map[string]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	for _, t := range targets {
		st := stmts[t.SQL]
		if st == nil {
			if st, err = w.db.PrepareContext(w.dbCtx, t.SQL); err != nil {
				w.log.Warn("usage prune", "table", t.Table, "err", err)
				return deleted
			}
			stmts[t.SQL] = st
		}
		for {
			select {
			case <-w.stop:
				return deleted
			default:
			}
			res, err := st.ExecContext(w.dbCtx, t.Args...)
			var n int64
			if err == nil {
				n, err = res.RowsAffected()
			}
			if err != nil {
				if w.dbCtx.Err() == nil {
					w.log.Warn("usage prune", "table", t.Table, "err", err)
				}
				return deleted
			}
			deleted += int(n)
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
