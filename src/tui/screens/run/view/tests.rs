use super::*;
use crate::plan::stand_in;
use crate::tui::log_buffer::{MAX_BYTES_PER_TASK, MAX_LINE_CHARS, MAX_LINES_PER_TASK};

fn words(message: &Message) -> String {
    message.key.to_string()
}

fn view() -> RunView {
    RunView::new(&[
        (stand_in("a"), "A".into(), vec![]),
        (stand_in("b"), "B".into(), vec![stand_in("a")]),
    ])
}

#[test]
fn memory_is_bounded_and_numbers_stay_stable() {
    let mut v = view();
    let now = Instant::now();
    for i in 0..MAX_LINES_PER_TASK + 10 {
        v.apply(
            &Event::Output {
                id: stand_in("a"),
                lines: format!("line {i} {}", "x".repeat(1000)),
            },
            now,
            &words,
        );
    }
    let log = &v.logs[0];
    // Lines of ~410 bytes: the byte bound is reached first.
    let kept = log.len();
    assert!(
        (MAX_BYTES_PER_TASK / 420..MAX_LINES_PER_TASK).contains(&kept),
        "{kept}"
    );
    assert_eq!(log.dropped + kept, MAX_LINES_PER_TASK + 10);
    let first = log.dropped;
    assert!(
        log.get(first)
            .unwrap()
            .starts_with(&format!("line {first} "))
    );
    assert_eq!(log.get(first - 1), None);
    assert!((first..log.end()).all(|n| log.get(n).unwrap().chars().count() <= MAX_LINE_CHARS + 1));
    assert!(log.bytes_held() <= 2 * MAX_BYTES_PER_TASK + 4 * MAX_LINE_CHARS);
}

#[test]
fn scrolling_leaves_and_rejoins_the_tail() {
    let mut v = view();
    v.view_height.set(5);
    let now = Instant::now();
    for i in 0..20 {
        v.apply(
            &Event::Output {
                id: stand_in("a"),
                lines: format!("l{i}"),
            },
            now,
            &words,
        );
    }
    assert_eq!(v.first_line(5), 15);
    v.page(false);
    assert_eq!(v.first_line(5), 11);
    // New lines do not move a scrolled view.
    v.apply(
        &Event::Output {
            id: stand_in("a"),
            lines: "new".into(),
        },
        now,
        &words,
    );
    assert_eq!(v.first_line(5), 11);
    v.home();
    assert_eq!(v.first_line(5), 0);
    v.page(true);
    v.page(true);
    v.page(true);
    v.page(true);
    v.page(true);
    assert_eq!(v.top, None, "back at the tail: following again");
}

#[test]
fn search_finds_older_lines_first_and_wraps() {
    let mut v = view();
    v.view_height.set(3);
    let now = Instant::now();
    for line in ["apt-get update", "Err: 1", "ok", "ok", "Err: 2", "ok", "ok"] {
        v.apply(
            &Event::Output {
                id: stand_in("a"),
                lines: line.into(),
            },
            now,
            &words,
        );
    }
    v.search = Some(Search {
        query: "err".into(),
        ..Search::default()
    });
    v.find(true);
    assert_eq!(v.search.as_ref().unwrap().current, Some(4));
    v.find(true);
    assert_eq!(v.search.as_ref().unwrap().current, Some(1));
    v.find(true);
    assert_eq!(v.search.as_ref().unwrap().current, Some(4), "wrapped");
    v.search.as_mut().unwrap().query = "nothing".into();
    v.find(true);
    assert!(v.search.as_ref().unwrap().not_found);
}

fn started(id: &str) -> Event {
    Event::TaskStarted {
        id: stand_in(id),
        title: id.to_uppercase(),
        index: 1,
        total: 3,
    }
}

fn output(id: &str, lines: &str) -> Event {
    Event::Output {
        id: stand_in(id),
        lines: lines.into(),
    }
}

fn finished(id: &str) -> Event {
    Event::TaskFinished {
        id: stand_in(id),
        duration: Duration::from_millis(100),
        outputs: crate::engine::outputs::TaskOutputs::DbSync(
            crate::engine::outputs::DbSyncOutputs { synced: true },
        ),
    }
}

fn lines(log: &LogBuf) -> Vec<&str> {
    (log.dropped..log.end())
        .map(|n| log.get(n).unwrap())
        .collect()
}

/// Three tasks at once, their events interleaved: each log gets its own
/// lines, the pane follows the task that started last, then the latest
/// one still running when it ends; a task the admin picked stays.
#[test]
fn interleaved_tasks_follow_the_latest_start() {
    let mut v = RunView::new(&[
        (stand_in("a"), "A".into(), vec![]),
        (stand_in("b"), "B".into(), vec![]),
        (stand_in("c"), "C".into(), vec![stand_in("a")]),
    ]);
    let now = Instant::now();
    let apply = |v: &mut RunView, e: Event| v.apply(&e, now, &words);
    apply(&mut v, started("a"));
    apply(&mut v, output("a", "a1"));
    apply(&mut v, started("b"));
    assert_eq!(v.selected, 1, "follows the latest start");
    apply(&mut v, output("a", "a2\na3"));
    apply(&mut v, output("b", "b1"));
    assert_eq!((v.running_count(), v.latest_running()), (2, Some(1)));
    apply(&mut v, finished("b"));
    assert_eq!(v.selected, 0, "b ended: back to a, still running");
    apply(&mut v, started("c"));
    apply(&mut v, output("c", "c1"));
    assert_eq!(v.selected, 2);
    apply(&mut v, output("a", "a4"));
    assert_eq!(lines(&v.logs[0]), ["a1", "a2", "a3", "a4"]);
    assert_eq!(lines(&v.logs[1]), ["b1"]);
    assert_eq!(lines(&v.logs[2]), ["c1"]);
    assert_eq!(v.progress(), (1, 3));

    // Picked by the admin: new starts and ends do not move it.
    v.select(1);
    apply(&mut v, finished("c"));
    apply(&mut v, output("a", "a5"));
    assert_eq!(v.selected, 1);
    // `f` follows again: the latest running task.
    v.follow();
    assert_eq!((v.selected, v.manual_selection), (0, false));
    apply(&mut v, finished("a"));
    assert_eq!(v.selected, 0, "nothing else runs: the last one stays shown");
    assert_eq!(v.running_count(), 0);
}

/// A block is the same as its lines one by one, whatever its size: long
/// blocks (only their end kept), tabs, control characters, long lines.
#[test]
fn a_block_is_its_lines() {
    let samples: Vec<String> = vec![
        "plain".into(),
        "tab\there".into(),
        "bell\u{7}and\r".into(),
        "中文行".into(),
        "x".repeat(MAX_LINE_CHARS + 5),
        "y".repeat(MAX_LINE_CHARS),
        String::new(),
    ];
    for n in [
        1,
        3,
        50,
        MAX_LINES_PER_TASK - 1,
        MAX_LINES_PER_TASK,
        MAX_LINES_PER_TASK + 7,
        3 * MAX_LINES_PER_TASK,
    ] {
        let block: Vec<String> = (0..n)
            .map(|i| format!("{i} {}", samples[i % samples.len()]))
            .collect();
        let mut one_by_one = LogBuf::default();
        one_by_one.push("before");
        for line in &block {
            one_by_one.push(line);
        }
        let mut at_once = LogBuf::default();
        at_once.push("before");
        at_once.push(&block.join("\n"));
        assert_eq!(lines(&at_once), lines(&one_by_one), "n = {n}");
        assert_eq!(at_once.dropped, one_by_one.dropped, "n = {n}");
        assert_eq!(at_once.end(), n + 1);
    }
    let mut log = LogBuf::default();
    log.push("a\tb\u{1b}[0m\n");
    assert_eq!(lines(&log), ["a    b[0m", ""]);
}

/// A million lines through the ring: memory stays bounded, numbering
/// stays exact.
#[test]
fn a_million_lines_in_bounded_memory() {
    let mut log = LogBuf::default();
    let numbers: Vec<String> = (0..1_000_000).map(|i| i.to_string()).collect();
    for block in numbers.chunks(3000) {
        log.push(&block.join("\n"));
    }
    assert_eq!(log.end(), 1_000_000);
    assert_eq!(log.get(999_999), Some("999999"));
    assert_eq!(log.len(), MAX_LINES_PER_TASK);
    assert!(log.bytes_held() <= 2 * MAX_BYTES_PER_TASK + 4 * MAX_LINE_CHARS);
    assert!(contains_ignoring_case("Hit:1 HTTP", "http"));
    assert!(!contains_ignoring_case("Hit:1", "http"));
    assert!(contains_ignoring_case("错误 ERROR", "error"));
}

#[test]
fn only_tasks_nothing_depends_on_are_skippable() {
    assert_eq!(view().skippable, [stand_in("b")]);
}
