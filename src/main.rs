fn main() {
    println!("bakelint");
}
