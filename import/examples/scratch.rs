fn main() {
    let p = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let src = std::fs::read_to_string(&p).unwrap();
    match restsource_import::import_dlt(&src, &p, None) {
        Ok(i) => {
            println!("{}", i.draft.to_toml());
            println!("{:?}\n{:?}", i.secrets, i.left_out);
        }
        Err(e) => {
            for d in e.diagnostics {
                println!("{}", d.render());
            }
        }
    }
}
