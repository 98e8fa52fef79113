/**
 * Class names of the standard image datasets, by label.
 *
 * @category metrics
 */

/**
 * Fashion-MNIST's ten class names, by label 0–9 (Xiao, Rasul and Vollgraf 2017, "Fashion-MNIST: a Novel Image
 * Dataset for Benchmarking Machine Learning Algorithms", and the dataset's README).
 *
 * @category metrics
 */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
