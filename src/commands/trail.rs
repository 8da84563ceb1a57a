//! `strongroom trail athena-ddl`: the statements that make the organization trail's Athena
//! table Strongroom's queries read. Prints them; runs nothing.

use std::process::ExitCode;

use crate::cli::{Cli, TrailCommand};
use crate::trail::athena::TrailTable;
use crate::trail::athena::ddl::hive_ident;

pub fn run(cli: &Cli, command: &TrailCommand) -> ExitCode {
    match command {
        TrailCommand::AthenaDdl {
            bucket,
            org_id,
            prefix,
            database,
            table,
            accounts,
            start_day,
        } => {
            let t = TrailTable {
                database: database.clone(),
                table: table.clone(),
                bucket: bucket.clone(),
                org_id: org_id.clone(),
                prefix: prefix.clone(),
                accounts: accounts.clone(),
                regions: cli.region.clone(),
                start_day: start_day.clone(),
            };
            println!(
                "-- The organization trail for Strongroom: run these in Athena, one after the other.\n\
                 -- Then: strongroom --athena {database}.{table} events --secret NAME --since 365d\n"
            );
            println!("CREATE DATABASE IF NOT EXISTS {};\n", hive_ident(database));
            println!("{};", t.ddl().trim_end().trim_end_matches(';'));
            ExitCode::SUCCESS
        }
    }
}
