//! `strongroom verify --registry FILE --env prod`: the registry's checks for one environment,
//! for a CI gate. Reads ListSecrets pages, and DescribeSecret only for required secrets with
//! DR regions whose replication status the listing does not give. Never a value.

use std::path::Path;
use std::process::ExitCode;

use chrono::Utc;

use super::open::Loaded;
use crate::cli::{Cli, VerifyFormat};
use crate::domain::CellHealth;
use crate::registry;
use crate::report;

pub async fn run<F>(
    cli: &Cli,
    loaded: impl FnOnce() -> F,
    config_dir: Option<&Path>,
    env: &str,
    format: VerifyFormat,
) -> color_eyre::Result<ExitCode>
where
    F: std::future::Future<Output = color_eyre::Result<Loaded>>,
{
    // The registry first: a bad file or an unknown environment costs no AWS call.
    let registry = match super::open::registry(cli.registry.as_deref(), config_dir) {
        Ok(Some(r)) => r,
        Ok(None) => {
            eprintln!(
                "strongroom verify: no registry: pass --registry FILE or keep one at <config \
                 dir>/registry.toml (assets/registry.example.toml shows the shape)"
            );
            return Ok(ExitCode::from(2));
        }
        Err(e) => {
            eprintln!("strongroom verify: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    if !registry.environments.iter().any(|e| e == env) {
        eprintln!(
            "strongroom verify: environment `{env}` is not in {} (it declares: {})",
            registry.file,
            registry.environments.join(", ")
        );
        return Ok(ExitCode::from(2));
    }
    let Loaded {
        mut state, source, ..
    } = loaded().await?.listed().await;

    // Replication is checked only where the registry asks for it, and asked of DescribeSecret
    // only where the listings did not already say.
    let mut described = 0;
    for key in registry
        .keys
        .iter()
        .filter(|k| !k.dr_regions_in(env).is_empty())
    {
        if key.presence(env) == registry::Presence::Required {
            let name = key.name(env);
            let wanted = state.inventory.entries.iter().position(|e| {
                e.secret.name == name
                    && e.secret.replication.is_none()
                    && registry
                        .accounts
                        .get(env)
                        .is_none_or(|a| &e.secret.account == a)
            });
            if let Some(i) = wanted {
                described += 1;
                let secret = state.inventory.entries[i].secret.clone();
                match source.describe_replication(&secret).await {
                    Ok(status) => {
                        std::sync::Arc::make_mut(&mut state.inventory.entries[i].secret)
                            .replication = Some(status);
                    }
                    Err(e) => eprintln!("strongroom verify: DescribeSecret {name}: {e}"),
                }
            }
        }
    }
    let unreadable: Vec<String> = state
        .cells
        .iter()
        .filter(|(_, s)| !matches!(s.health, CellHealth::Ok))
        .map(|(c, s)| {
            format!(
                "{} {} ({})",
                c.account,
                c.region,
                s.health.detail().unwrap_or(s.health.label())
            )
        })
        .collect();
    let verification = registry::verify(
        &registry,
        env,
        &state.inventory.entries,
        &unreadable,
        Utc::now(),
    );
    match format {
        VerifyFormat::Table => print!("{}", report::verify::table(&verification)),
        VerifyFormat::Json => println!("{}", report::verify::json(&verification, &registry)?),
        VerifyFormat::Junit => print!("{}", report::verify::junit(&verification)),
        VerifyFormat::Sarif => println!("{}", report::verify::sarif(&verification, &registry)?),
    }
    for u in &unreadable {
        eprintln!("strongroom verify: could not read {u}");
    }
    if source.live_events() {
        eprintln!(
            "strongroom verify: {} secrets listed; {described} DescribeSecret call(s) for \
             replication checks beyond the listing's; no value read",
            state.inventory.len()
        );
    }
    if format != VerifyFormat::Table {
        eprintln!("{}", report::verify::summary(&verification));
    }
    Ok(ExitCode::from(verification.exit_code()))
}
