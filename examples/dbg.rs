fn main() {
    let (a,b,c,d) = (1e0f64, -7.828087433488127e123, 1.5294393450116623e247, -1.5294393450116623e247);
    println!("{:?}", numkit::cubic::solve_cubic(a,b,c,d));
    println!("{:?}", numkit::cubic::solve_cubic_complex(a,b,c,d));
}
