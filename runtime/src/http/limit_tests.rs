//! The limiter under tokio's paused clock: every figure is virtual time, exact.

use std::sync::Arc;

use super::*;

const A: &str = "http://a.example:80";
const B: &str = "http://b.example:80";

fn ms(since: Instant) -> u128 {
    (Instant::now() - since).as_millis()
}

#[tokio::test(start_paused = true)]
async fn spaces_requests_after_burst() {
    let l = RateLimiter::new(Some(RateLimitDef {
        requests_per_second: 10.0,
        burst: 2,
    }));
    let start = Instant::now();
    let mut at = Vec::new();
    for _ in 0..5 {
        l.acquire(A).await;
        at.push(ms(start));
    }
    assert_eq!(at, vec![0, 0, 100, 200, 300]);
}

#[tokio::test(start_paused = true)]
async fn no_one_second_window_holds_more_than_the_rate() {
    // GCRA alone lets a burst of 10 through and then one request per 100 ms: 19 in the
    // first second. The release gate keeps every window at the budget.
    let l = RateLimiter::new(Some(RateLimitDef {
        requests_per_second: 10.0,
        burst: 10,
    }));
    let start = Instant::now();
    let mut at = Vec::new();
    for _ in 0..35 {
        l.acquire(A).await;
        at.push(Instant::now() - start);
    }
    for (i, t) in at.iter().enumerate() {
        let in_window = at[i..]
            .iter()
            .take_while(|u| **u - *t < Duration::from_secs(1))
            .count();
        assert!(
            in_window <= 10,
            "{in_window} releases within 1 s from {t:?}"
        );
    }
    // The burst still goes out at once, and the rate is kept, not undercut.
    assert_eq!(at[9], Duration::ZERO);
    // Three full windows (each a second plus the guard) before the last five.
    let windows = 3 * (Duration::from_secs(1) + WINDOW_GUARD);
    assert!(at[34] <= windows + Duration::from_millis(5), "{:?}", at[34]);
}

/// Starts `n` acquires for `origin` at once; each resolves to its release time in ms.
fn spawn_acquires(
    l: &Arc<RateLimiter>,
    origin: &'static str,
    n: usize,
    start: Instant,
) -> Vec<tokio::task::JoinHandle<u128>> {
    (0..n)
        .map(|_| {
            let l = l.clone();
            tokio::spawn(async move {
                l.acquire(origin).await;
                ms(start)
            })
        })
        .collect()
}

async fn times(handles: Vec<tokio::task::JoinHandle<u128>>) -> Vec<u128> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test(start_paused = true)]
async fn a_429_spaces_only_new_requests_to_its_origin_until_its_first_success() {
    let l = Arc::new(RateLimiter::new(None));
    let start = Instant::now();
    l.on_response(A, 429);
    // The first request after the 429 goes at once; the next ones are spaced 100 ms apart.
    let to_a = spawn_acquires(&l, A, 4, start);
    // Another origin is not slowed at all.
    let to_b = spawn_acquires(&l, B, 3, start);
    assert_eq!(times(to_b).await, vec![0, 0, 0]);
    tokio::time::sleep(Duration::from_millis(150)).await;
    // A success from A: the two requests still waiting for their slots (200, 300 ms) go now.
    l.on_response(A, 200);
    assert_eq!(times(to_a).await, vec![0, 100, 150, 150]);
    // And new requests are not spaced any more.
    l.acquire(A).await;
    l.acquire(A).await;
    assert_eq!(ms(start), 150);
}

#[tokio::test(start_paused = true)]
async fn refusals_steepen_the_spacing_only_until_a_success_resets_it() {
    let l = Arc::new(RateLimiter::new(None));
    let start = Instant::now();
    for _ in 0..3 {
        l.on_response(A, 429);
    }
    // Three 429s in a row with no success: 400 ms apart.
    assert_eq!(
        times(spawn_acquires(&l, A, 3, start)).await,
        vec![0, 400, 800]
    );
    // 5xx are not refusals: they neither steepen nor end the slow-down.
    l.on_response(A, 503);
    let t = Instant::now();
    l.acquire(A).await;
    assert_eq!(ms(t), 400);
    // After a success, the next 429 starts again at 100 ms.
    l.on_response(A, 200);
    l.on_response(A, 429);
    let t = Instant::now();
    for _ in 0..3 {
        l.acquire(A).await;
    }
    assert_eq!(ms(t), 200);
    // However long an origin refuses, the spacing stays at 1.6 s.
    for _ in 0..20 {
        l.on_response(B, 429);
    }
    let t = Instant::now();
    l.acquire(B).await;
    l.acquire(B).await;
    assert_eq!(ms(t), 1600);
}

/// Eight workers fetch 40 pages each from one origin (10 ms per response). Every fifth page
/// of each worker answers 429 with `Retry-After: 1` once. Each worker must take exactly what
/// its own requests force: 40 x 10 ms plus eight 1 s waits, whatever the other workers'
/// 429s; no acquire may wait longer than one response time of another worker.
#[tokio::test(start_paused = true)]
async fn many_429s_across_requests_do_not_add_up() {
    let l = Arc::new(RateLimiter::new(None));
    let start = Instant::now();
    let workers: Vec<_> = (0..8u64)
        .map(|w| {
            let l = l.clone();
            tokio::spawn(async move {
                // Staggered by 1 ms so that responses interleave across workers.
                tokio::time::sleep(Duration::from_millis(w)).await;
                let mut longest_acquire = Duration::ZERO;
                for page in 0..40 {
                    let mut refused = page % 5 == 0;
                    loop {
                        longest_acquire = longest_acquire.max(l.acquire(A).await);
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        if refused {
                            l.on_response(A, 429);
                            refused = false;
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            continue;
                        }
                        l.on_response(A, 200);
                        break;
                    }
                }
                (ms(start), longest_acquire)
            })
        })
        .collect();
    for (w, h) in workers.into_iter().enumerate() {
        let (done, longest) = h.await.unwrap();
        // 48 responses of 10 ms and 8 waits of 1 s, after the stagger.
        assert!(
            done >= 8_480 + w as u128 && done <= 8_480 + w as u128 + 10,
            "worker {w} finished at {done} ms"
        );
        assert!(longest <= Duration::from_millis(10), "{longest:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn the_configured_limit_holds_while_an_origin_refuses_and_after() {
    let l = Arc::new(RateLimiter::new(Some(RateLimitDef {
        requests_per_second: 10.0,
        burst: 1,
    })));
    let start = Instant::now();
    let mut at = Vec::new();
    l.acquire(A).await;
    at.push(ms(start));
    l.on_response(A, 429);
    // The slow-down (100 ms) and the limit (100 ms) do not stack: both ask for 100 ms here.
    for _ in 0..3 {
        l.acquire(A).await;
        at.push(ms(start));
    }
    l.on_response(A, 200);
    // After the success, the configured 10/s still applies.
    for _ in 0..3 {
        l.acquire(A).await;
        at.push(ms(start));
    }
    assert_eq!(at, vec![0, 100, 200, 300, 400, 500, 600]);
}

/// One request's flight, in ms since the start: released by the limiter, arrived at the API,
/// answered.
struct Flight {
    released: u128,
    arrived: u128,
    answered: u128,
}

/// Releases `n` requests one after another through a limit of 10 per second (burst 10); the
/// i-th reaches the API `late(i)` ms after its release and is answered 5 ms after that.
async fn fly(n: usize, late: impl Fn(usize) -> u64) -> Vec<Flight> {
    let l = Arc::new(RateLimiter::new(Some(RateLimitDef {
        requests_per_second: 10.0,
        burst: 10,
    })));
    let start = Instant::now();
    let mut flights = Vec::new();
    for i in 0..n {
        let (_, ticket) = l.acquire_answerable(A).await;
        let released = ms(start);
        let (l, late) = (l.clone(), late(i));
        flights.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(late)).await;
            let arrived = ms(start);
            tokio::time::sleep(Duration::from_millis(5)).await;
            l.answered(ticket).await;
            Flight {
                released,
                arrived,
                answered: ms(start),
            }
        }));
    }
    let mut out = Vec::new();
    for f in flights {
        out.push(f.await.unwrap());
    }
    out
}

/// Requests answered 5 ms after their release stop counting then, not a guard later: the 11th
/// of a limit of 10 goes 1 s after the first answer. And wherever in its flight each request
/// reached the API (between its release and its answer), no second holds more than 10.
#[tokio::test(start_paused = true)]
async fn answered_requests_stop_counting_at_their_answer() {
    let flights = fly(35, |_| 0).await;
    let released: Vec<u128> = flights.iter().map(|f| f.released).collect();
    assert_eq!(&released[..12], &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1005, 1005]);
    // Three seconds and three answer times for the first 30, against 3.3 s counted from
    // releases alone.
    assert_eq!(released[30], 3015);
    let edges: Vec<u128> = flights
        .iter()
        .flat_map(|f| [f.released, f.answered])
        .collect();
    for w in edges {
        let in_window = flights
            .iter()
            .filter(|f| f.answered >= w && f.released < w + 1000)
            .count();
        assert!(
            in_window <= 10,
            "{in_window} requests may reach the API in [{w}, {w}+1000)"
        );
    }
}

/// The first 10 requests released reach the API 150 ms late (a runtime busy with a page), the
/// others at once. Counted until their answers, the 11th waits for a second after the first
/// answers, so no second of the API's holds more than 10; a guard of 100 ms past each release
/// let the 11th go at 1.1 s, inside the second that began at the late arrivals' 0.15 s.
#[tokio::test(start_paused = true)]
async fn late_requests_count_until_their_answer() {
    let flights = fly(25, |i| if i < 10 { 150 } else { 0 }).await;
    let at: Vec<u128> = flights.iter().map(|f| f.arrived).collect();
    assert_eq!(
        &at[..12],
        &[150, 150, 150, 150, 150, 150, 150, 150, 150, 150, 1155, 1155]
    );
    for (i, t) in at.iter().enumerate() {
        let in_window = at[i..].iter().take_while(|u| **u < t + 1000).count();
        assert!(
            in_window <= 10,
            "{in_window} arrivals within 1 s from {t}: {at:?}"
        );
    }
}
