pub fn _bootstrap() {}
