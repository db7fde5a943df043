module containers/exercise

go 1.22
