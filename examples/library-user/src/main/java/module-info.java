/** The README's library example as a JPMS module: it reads tangent.nn, and through it tangent.core. */
module example.library {
    requires tangent.nn;
}
