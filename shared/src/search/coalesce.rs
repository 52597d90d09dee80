//! Reads issued together, sent together. A chat turn runs its retrieval and the tools its question implies side
//! by side (a KBLI lookup is a second search); each search used to be a D1 call of its own. A [`Coalescer`]
//! holds the statements that concurrent callers issue before the executor next runs, and the first caller sends
//! them in one batch: one round trip, and each caller gets its own result.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_channel::oneshot;

use crate::error::ApiError;

type Waiting<S, R> = Vec<(S, oneshot::Sender<Result<R, ApiError>>)>;

/// Statements of one request waiting to be sent. Single-threaded (WASM): callers share it by reference.
pub struct Coalescer<S, R> {
    queue: RefCell<Waiting<S, R>>,
}

impl<S, R> Default for Coalescer<S, R> {
    fn default() -> Self {
        Self {
            queue: RefCell::new(Vec::new()),
        }
    }
}

impl<S, R> Coalescer<S, R> {
    /// The result of `statement`, sent with any others issued in the same turn of the executor. The caller
    /// that finds the queue empty yields once, so that the futures polled alongside it (a `join`) can add
    /// theirs, then sends the batch with its `send`; the others' `send` is not called. `send` returns one
    /// result per statement, in order (a store whose batch is all-or-nothing should retry statements alone when
    /// the batch fails, so that one bad statement does not fail the others).
    pub async fn run<F, Fut>(&self, statement: S, send: F) -> Result<R, ApiError>
    where
        F: FnOnce(Vec<S>) -> Fut,
        Fut: Future<Output = Vec<Result<R, ApiError>>>,
    {
        let (tx, rx) = oneshot::channel();
        let first = {
            let mut q = self.queue.borrow_mut();
            q.push((statement, tx));
            q.len() == 1
        };
        if first {
            yield_once().await;
            let waiting = std::mem::take(&mut *self.queue.borrow_mut());
            let (statements, senders): (Vec<S>, Vec<_>) = waiting.into_iter().unzip();
            let results = send(statements).await;
            for (tx, r) in senders.into_iter().zip(results) {
                // A caller that went away no longer wants its result.
                let _ = tx.send(r);
            }
        }
        rx.await
            .unwrap_or_else(|_| Err(ApiError::internal("a batched statement got no result")))
    }
}

/// Pending once, having asked to be polled again: the futures polled after this one in the same pass run
/// until they wait too.
pub(crate) fn yield_once() -> impl Future<Output = ()> {
    YieldOnce(false)
}

struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::test_util::block_on_polling;
    use futures_util::future::join;

    /// A store that records each batch it was sent and answers each statement with its text doubled, or fails
    /// a statement "bad".
    #[derive(Default)]
    struct Store {
        batches: RefCell<Vec<Vec<String>>>,
    }

    impl Store {
        async fn send(&self, statements: Vec<String>) -> Vec<Result<String, ApiError>> {
            self.batches.borrow_mut().push(statements.clone());
            statements
                .into_iter()
                .map(|s| match s.as_str() {
                    "bad" => Err(ApiError::internal("bad statement")),
                    _ => Ok(format!("{s}{s}")),
                })
                .collect()
        }
    }

    #[test]
    fn concurrent_statements_go_in_one_batch_and_each_caller_gets_its_result() {
        let (store, c) = (Store::default(), Coalescer::default());
        let (a, b) = block_on_polling(join(
            c.run("a".to_string(), |s| store.send(s)),
            c.run("b".to_string(), |s| store.send(s)),
        ));
        assert_eq!((a.unwrap(), b.unwrap()), ("aa".to_string(), "bb".to_string()));
        assert_eq!(*store.batches.borrow(), vec![vec!["a".to_string(), "b".to_string()]]);
    }

    #[test]
    fn statements_issued_one_after_another_go_alone() {
        let (store, c) = (Store::default(), Coalescer::default());
        let (a, b) = block_on_polling(async {
            let a = c.run("a".to_string(), |s| store.send(s)).await;
            (a, c.run("b".to_string(), |s| store.send(s)).await)
        });
        assert_eq!((a.unwrap(), b.unwrap()), ("aa".to_string(), "bb".to_string()));
        assert_eq!(store.batches.borrow().len(), 2);
    }

    #[test]
    fn a_failed_statement_fails_only_its_caller() {
        let (store, c) = (Store::default(), Coalescer::default());
        let (a, b) = block_on_polling(join(
            c.run("bad".to_string(), |s| store.send(s)),
            c.run("b".to_string(), |s| store.send(s)),
        ));
        assert_eq!(a.unwrap_err().detail.as_deref(), Some("bad statement"));
        assert_eq!(b.unwrap(), "bb");
    }

    #[test]
    fn a_store_that_answers_too_few_statements_fails_the_rest_clearly() {
        let c: Coalescer<String, String> = Coalescer::default();
        let (a, b) = block_on_polling(join(
            c.run("a".to_string(), |_| async { vec![Ok("only one".to_string())] }),
            c.run("b".to_string(), |_| async { unreachable!("the first caller sends") }),
        ));
        assert_eq!(a.unwrap(), "only one");
        assert_eq!(
            b.unwrap_err().detail.as_deref(),
            Some("a batched statement got no result")
        );
    }
}
