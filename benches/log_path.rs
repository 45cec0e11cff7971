//! The log path, stage by stage, on the output of `seq 1000000` (6.9 MB, a
//! million lines) held in memory: a child's pipe read in 64 KiB chunks, cut
//! into blocks of whole lines and redacted (4 secrets, every escaped form),
//! written to the log (time and task id on every line), and pushed into the
//! run screen's ring buffer. No process, pipe, disk or terminal: see
//! scripts/bench-run-screen.sh for the real thing. docs/performance.md has
//! the figures.
//!
//!   cargo bench --bench log_path

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use glance_wizard::engine::runner::stream::{self, LineCutter};
use glance_wizard::engine::{Event, write_log};
use glance_wizard::tui::log_buffer::LogBuf;
use glance_wizard::tui::screens::run::view::RunView;
use glance_wizard::util::secret::{Redactor, Secret};

const LINES: usize = 1_000_000;

/// What `seq 1000000` prints.
fn seq_output() -> Vec<u8> {
    let mut out = Vec::with_capacity(7 * LINES);
    for i in 1..=LINES {
        out.extend_from_slice(i.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

/// A redactor as a run has one: the glance DB and service passwords, the
/// admin's and a DB administrator's, each in its escaped forms.
fn redactor() -> Redactor {
    let r = Redactor::new();
    for secret in [
        "Sup3r$ecretDbPass-7fQ2x9Lw",
        "An0ther*SvcPass/K8mZt4Rv",
        "Adm1nPw#zz-lab-only-1234",
        "r00t'Db%Adm!n-pa55w0rd",
    ] {
        r.add(&Secret::new(secret));
    }
    r
}

/// The blocks the runner emits for `output` read in pipe-sized chunks,
/// gathered up to a block as under a flood.
fn blocks(output: &[u8], redactor: &Redactor) -> Vec<String> {
    let mut cutter = LineCutter::default();
    let mut blocks = Vec::new();
    for chunk in output.chunks(stream::CHUNK) {
        cutter.extend(chunk);
        if cutter.pending() >= stream::BLOCK
            && let Some(block) = cutter.take(redactor)
        {
            blocks.push(block);
        }
    }
    blocks.extend(cutter.finish(redactor));
    blocks
}

fn log_path(c: &mut Criterion) {
    let output = seq_output();
    let redactor = redactor();
    let blocks = blocks(&output, &redactor);
    assert_eq!(
        blocks
            .iter()
            .map(|b| b.matches('\n').count() + 1)
            .sum::<usize>(),
        LINES
    );

    let mut group = c.benchmark_group("log_path_1M_lines");
    group.throughput(Throughput::Bytes(output.len() as u64));
    group.sample_size(20);

    group.bench_function("redact_blocks", |b| {
        b.iter(|| {
            for block in &blocks {
                black_box(redactor.redact_cow(block));
            }
        })
    });
    group.bench_function("cut_and_redact", |b| {
        b.iter(|| black_box(self::blocks(&output, &redactor)))
    });
    group.bench_function("write_log", |b| {
        let mut log = Vec::with_capacity(64 << 20);
        b.iter(|| {
            log.clear();
            for block in &blocks {
                let event = Event::Output {
                    id: glance_wizard::plan::TaskId::PackagesInstall,
                    lines: block.clone(),
                };
                write_log(&mut log, "2026-05-01T10:15:00Z", &event);
            }
            black_box(log.len())
        })
    });
    group.bench_function("ring_buffer_push", |b| {
        b.iter(|| {
            let mut log = LogBuf::default();
            for block in &blocks {
                log.push(block);
            }
            black_box(log.end())
        })
    });
    // Everything but the threads and the disk: chunks in, log written,
    // run view fed.
    group.bench_function("all_stages", |b| {
        let mut log = Vec::with_capacity(64 << 20);
        b.iter(|| {
            log.clear();
            let mut view = RunView::new(&[(
                glance_wizard::plan::TaskId::PackagesInstall,
                "Install".into(),
                vec![],
            )]);
            let now = Instant::now();
            let words = |m: &glance_wizard::i18n::Message| m.key.to_string();
            for block in self::blocks(&output, &redactor) {
                let event = Event::Output {
                    id: glance_wizard::plan::TaskId::PackagesInstall,
                    lines: block,
                };
                write_log(&mut log, "2026-05-01T10:15:00Z", &event);
                view.apply(&event, now, &words);
            }
            black_box(view.logs[0].end())
        })
    });
    group.finish();
}

criterion_group!(benches, log_path);
criterion_main!(benches);
