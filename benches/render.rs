//! Drawing the run screen: ten tasks, three of them running at once, the
//! followed one with a full log (a million lines went through its ring
//! buffer), drawn into ratatui's TestBackend at 80x24 and 200x60, following
//! the tail and with a search highlighted. One frame per iteration: the
//! budget is 16 ms. The terminal's own cost (crossterm writing to a pty) is
//! in scripts/bench-run-screen.sh's figures. docs/performance.md has the
//! figures.
//!
//!   cargo bench --bench render

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use glance_wizard::answers::{Answers, Secrets};
use glance_wizard::engine::Event;
use glance_wizard::host::target::{InitSystem, profile_for};
use glance_wizard::i18n::{Lang, Texts};
use glance_wizard::plan::TaskId;
use glance_wizard::tui::app::{App, Screen};
use glance_wizard::tui::draft::Draft;
use glance_wizard::tui::screens::run::view::{RunView, Search};
use glance_wizard::tui::theme::Theme;
use glance_wizard::tui::{app::Msg, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const TASKS: [&str; 10] = [
    "sql.database",
    "identity.user",
    "identity.role",
    "identity.service",
    "identity.endpoints",
    "packages.install",
    "config.glance-api",
    "db.sync",
    "service.restart",
    "verify.image",
];

fn task(id: &str) -> TaskId {
    id.parse().expect("a task id")
}

fn app(lang: Lang) -> App {
    let start = Instant::now();
    let mut app = App::new(
        Texts::of(lang),
        Theme { color: true },
        Ok(profile_for("debian", "zed", InitSystem::SysV).unwrap()),
        PathBuf::from("/var/lib/glance-wizard"),
        Draft::from_answers(&Answers::default(), &Secrets::default()),
        start,
    );
    let rows: Vec<(TaskId, String, Vec<TaskId>)> = TASKS
        .iter()
        .map(|id| (task(id), format!("Title of {id}"), vec![]))
        .collect();
    app.run.view = RunView::new(&rows);
    app.screen = Screen::Run;
    app.run.engine_running = true;
    let feed = |app: &mut App, e: Event| app.handle(Msg::Engine(e));
    feed(
        &mut app,
        Event::RunStarted {
            total: TASKS.len(),
            log_path: "/var/lib/glance-wizard/logs/apply.log".into(),
        },
    );
    for (i, id) in TASKS.iter().enumerate().take(6) {
        feed(
            &mut app,
            Event::TaskStarted {
                id: task(id),
                title: format!("Title of {id}"),
                index: i + 1,
                total: TASKS.len(),
            },
        );
        if i < 3 {
            feed(
                &mut app,
                Event::TaskFinished {
                    id: task(id),
                    duration: Duration::from_millis(1200),
                    outputs: glance_wizard::engine::outputs::TaskOutputs::DbSync(
                        glance_wizard::engine::outputs::DbSyncOutputs { synced: true },
                    ),
                },
            );
        }
    }
    // A million lines of apt-like output for the followed task.
    let mut block = String::new();
    for i in 0..1_000_000 {
        block.push_str(&format!(
            "Get:{i} http://deb.debian.org/debian bookworm/main amd64 python3-glance all 2:25.1.0-2 [{i} kB]"
        ));
        if i % 2000 == 1999 {
            feed(
                &mut app,
                Event::Output {
                    id: TaskId::PackagesInstall,
                    lines: std::mem::take(&mut block),
                },
            );
        } else {
            block.push('\n');
        }
    }
    app.now = start + Duration::from_millis(8_650);
    app
}

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("run_screen_frame");
    for (w, h) in [(80, 24), (200, 60)] {
        let mut app = app(Lang::En);
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        group.bench_function(format!("following_{w}x{h}"), |b| {
            b.iter(|| {
                // A frame after new output: the tick moves, the tail changes.
                app.now += Duration::from_millis(16);
                terminal.draw(|f| render::draw(&app, f)).unwrap();
                black_box(terminal.backend().buffer().area);
            })
        });
        app.run.view.search = Some(Search {
            query: "python3".into(),
            ..Search::default()
        });
        app.run.view.find(true);
        group.bench_function(format!("search_{w}x{h}"), |b| {
            b.iter(|| {
                app.now += Duration::from_millis(16);
                terminal.draw(|f| render::draw(&app, f)).unwrap();
                black_box(terminal.backend().buffer().area);
            })
        });
    }
    let mut app = app(Lang::ZhCn);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    group.bench_function("following_80x24_zh-CN", |b| {
        b.iter(|| {
            app.now += Duration::from_millis(16);
            terminal.draw(|f| render::draw(&app, f)).unwrap();
            black_box(terminal.backend().buffer().area);
        })
    });
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
